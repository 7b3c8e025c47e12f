import type { Clock, IdGenerator, Logger } from '../../core/index.js';
import type { Store } from '../../state/index.js';

export interface DeploymentScope {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tenantId: string;
}

export interface DeployOptions {
  store: Store;
  scope: DeploymentScope;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** Unsupported function/type → warning + skip instead of error. */
  loose?: boolean;
  /**
   * Refuse resource types the twin only stores (no provider simulates them) by name, instead of storing them
   * as given (`trustline up --strict`).
   */
  strict?: boolean;
}

export interface DeployInput {
  deploymentName: string;
  /** Parsed object or raw JSONC text (with the file name for error locations). */
  template: unknown | { text: string; file?: string };
  /** A parameters file object (`{parameters:{x:{value}}}`) or a bare `{x:{value}}` map. */
  parameters?: Record<string, unknown>;
  mode?: 'Incremental' | 'Complete';
}

export interface DeployResult {
  /** Ids of the resources written (in deployment order). */
  resources: string[];
  /** Of those, the resources of types the twin stores as given without simulating them. */
  stored: string[];
  outputs: Record<string, { type: string; value: unknown }>;
  warnings: string[];
}

import type { Clock, IdGenerator, Logger, SourceLocation } from '../../core/index.js';
import type { LinkRoot } from '../template/link-roots.js';
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
  /**
   * The deployment's scope kind; default: what the template's `$schema` declares (resource group,
   * subscription, management group or tenant). `scope` gives the ids.
   */
  scopeKind?: 'resourceGroup' | 'subscription' | 'managementGroup' | 'tenant';
  /** Management group name for management-group deployments (default: the tenant id, the root group). */
  managementGroup?: string;
  /**
   * Offline mirrors of linked templates: a `templateLink.uri` that starts with `prefix` is read from the file at
   * the rest of the URI below `dir` (query string dropped), e.g. the quickstart repository's raw URL → a checkout.
   * API Management's policy and import links (`rawxml-link`, `openapi-link`, …) read through the same mirrors.
   */
  templateLinkRoots?: TemplateLinkRoot[];
  /**
   * What a new API Management service holds (docs/behaviour/apim.md §3.1): `by-tier` (default: what Azure creates for
   * its SKU) or `none` (nothing; compat flag `compat.gateway.builtInObjects`).
   */
  apimBuiltInObjects?: 'by-tier' | 'none';
  /** Compat flag `compat.gateway.namedValuesAfterXmlParse` (default true): how API Management's policy validation puts named values in. */
  apimNamedValuesAfterXmlParse?: boolean;
  /**
   * A resource its provider refuses fails alone, as in ARM: the resources that do not depend on it still deploy, those
   * that do are not attempted, and the error (the first failure) lists every failure in `details.failures` and what was
   * deployed in `details.partial` (the control plane's deployments). Default: the first failure stops the deployment.
   */
  continueAfterFailure?: boolean;
}

/** An offline mirror of `http(s)` links (src/arm/template/link-roots.ts). */
export type TemplateLinkRoot = LinkRoot;

/** One resource of an expanded deployment, as ARM would PUT it (`trustline expand --json`). */
export interface ExpandedResource {
  id: string;
  type: string;
  name: string;
  apiVersion?: string;
  location?: string;
  properties?: Record<string, unknown>;
  /** Ids of the resources it waits for. */
  dependsOn?: string[];
  /** Name of the (nested) deployment that deploys it. */
  deployment?: string;
  [field: string]: unknown;
}

export interface DeployInput {
  deploymentName: string;
  /** Parsed object or raw JSONC text (with the file name for error locations). */
  template: unknown | { text: string; file?: string };
  /** A parameters file object (`{parameters:{x:{value}}}`) or a bare `{x:{value}}` map. */
  parameters?: Record<string, unknown>;
  mode?: 'Incremental' | 'Complete';
  /** The scope the deployment was sent to (the control plane's route); default: what the template's `$schema` declares. */
  scopeKind?: 'resourceGroup' | 'subscription';
}

export interface DeployResult {
  /** Ids of the resources written (in deployment order). */
  resources: string[];
  /** Of those, the resources of types the twin stores as given without simulating them. */
  stored: string[];
  outputs: Record<string, { type: string; value: unknown }>;
  /** The root deployment's parameters as its record shows them (`{type, value}`; a secure one `{type}` alone). */
  parameters?: Record<string, unknown>;
  warnings: string[];
  /** Every resource deployed (nested deployments included) with its body as ARM would PUT it, in order. */
  expanded?: ExpandedResource[];
  /** Where each resource written is declared: template file, JSON path, line:column (`trustline lint` points there). */
  sources?: Record<string, SourceLocation>;
}

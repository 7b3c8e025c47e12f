import type { IdGenerator, Logger, SourceLocation } from '../../core/index.js';
import type { ResourceRecord, StoreTransaction } from '../../state/index.js';

/** A resource after template evaluation, ready for its provider: the shape it is stored in. */
export type ResourceInput = ResourceRecord;

export interface ProviderContext {
  tx: StoreTransaction;
  ids: IdGenerator;
  logger: Logger;
  tenantId: string;
  /** Where the resource is declared (for errors). */
  location: SourceLocation;
  /** `--loose`: what strict mode rejects is accepted with a warning. */
  loose: boolean;
  warn(message: string): void;
}

/** One resource type family: validates a body and turns it into the stored record (plus directory objects). */
export interface ResourceProvider {
  /** Full types handled, e.g. `Microsoft.Web/sites`. */
  readonly types: readonly string[];
  apply(input: ResourceInput, ctx: ProviderContext): ResourceRecord;
}

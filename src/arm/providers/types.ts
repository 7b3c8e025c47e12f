import type { Clock, IdGenerator, Logger, SourceLocation } from '../../core/index.js';
import type { ResourceRecord, StoreTransaction } from '../../state/index.js';
import type { LinkRoot } from '../template/link-roots.js';

/** A resource after template evaluation, ready for its provider: the shape it is stored in. */
export type ResourceInput = ResourceRecord;

export interface ProviderContext {
  tx: StoreTransaction;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  tenantId: string;
  /** Where the resource is declared (for errors). */
  location: SourceLocation;
  /** `--loose`: what strict mode rejects is accepted with a warning. */
  loose: boolean;
  /** A Bicep extension resource: its extension's config (`relationshipSemantics` of the Microsoft Graph extension). */
  extensionConfig?: Readonly<Record<string, unknown>>;
  /** Offline mirrors of `http(s)` links (`DeployOptions.templateLinkRoots`): API Management's `*-link` documents read through them. */
  linkRoots?: readonly LinkRoot[];
  /** What a new API Management service holds (`DeployOptions.apimBuiltInObjects`); default `by-tier`. */
  apimBuiltInObjects?: 'by-tier' | 'none';
  /** How policy validation puts named values in (`DeployOptions.apimNamedValuesAfterXmlParse`); default true. */
  apimNamedValuesAfterXmlParse?: boolean;
  warn(message: string): void;
}

/** One resource type family: validates a body and turns it into the stored record (plus directory objects). */
export interface ResourceProvider {
  /** Full types handled, e.g. `Microsoft.Web/sites`. */
  readonly types: readonly string[];
  apply(input: ResourceInput, ctx: ProviderContext): ResourceRecord;
  /**
   * A `list*` result made on first use (`key` as in `ResourceRecord.listResults`), for results minted
   * lazily so that resources not asked for them draw no ids. The engine stores it on the record. `listResult` reads
   * another list result of the same record, minting and storing it first when needed (a function's listSecrets
   * carries the key its listKeys answers).
   */
  mintListResult?(record: ResourceRecord, key: string, ctx: ProviderContext, listResult: (key: string) => unknown): unknown;
  /**
   * An `existing` resource the template reads, answered from the twin's state by its evaluated body (the Microsoft
   * Graph extension's objects live in the directory, keyed by `uniqueName`, `appId` or `userPrincipalName`, not in the
   * resource store). Throws the provider's not-found error; the record is not stored.
   */
  readExisting?(input: ResourceInput, ctx: ProviderContext): ResourceRecord;
  /**
   * A resource of this type that exists outside the template (expansion presumes it: declared `existing`, or the parent
   * of a child the template deploys alone): writes what Azure creates inside every such resource (an API Management
   * service's built-in products, groups and subscriptions), as `apply` does for a new one.
   */
  presume?(record: ResourceRecord, ctx: ProviderContext): void;
}

import { randomBytes } from 'node:crypto';
import type { Clock, IdGenerator, Logger } from '../core/index.js';
import type { Store } from '../state/index.js';
import { createIdentityService, type IdentityCompatFlags, type IdentityService } from '../identity/index.js';

export interface TwinIdentityOptions {
  /** Where the directory and the signing key ring live (meta `identity.keys`): a file store keeps them across restarts. */
  store: Store;
  tenantId: string;
  compat?: Partial<IdentityCompatFlags>;
  /** Managed identities IMDS hands out (`trustline up --imds-identity`); default none. */
  imdsIdentities?: readonly string[];
  /** Worker threads signing the token endpoint's tokens; default 0 (inline). */
  signingWorkers?: number;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

export interface TwinIdentity {
  identity: IdentityService;
  /** The App Service MI endpoint's secret (X-IDENTITY-HEADER), new on every start; never logged. */
  identityHeader: string;
}

/**
 * The Entra ID and managed identity twin as every runtime composition builds it: `trustline up` (twin.ts, a file
 * store, IMDS identities, signing workers) and `trustline lint` (offline-twin.ts, an in-memory store, nothing else).
 */
export async function createTwinIdentity(options: TwinIdentityOptions): Promise<TwinIdentity> {
  const identityHeader = randomBytes(24).toString('base64url');
  const identity = await createIdentityService({
    store: options.store,
    clock: options.clock,
    ids: options.ids,
    logger: options.logger.child('identity'),
    tenantId: options.tenantId,
    identityHeader,
    ...(options.compat ? { flags: options.compat } : {}),
    ...(options.imdsIdentities ? { imdsIdentities: options.imdsIdentities } : {}),
    ...(options.signingWorkers ? { signingWorkers: options.signingWorkers } : {}),
  });
  return { identity, identityHeader };
}

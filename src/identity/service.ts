import { defaultIdentityCompatFlags, type IdentityCompatFlags } from './compat-flags.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, IdGenerator, Logger, PemPair } from '../core/index.js';
import type { Store } from '../state/index.js';
import { identityError } from './errors.js';
import { buildJwks, type JwksDocument } from './keys/jwks.js';
import { resolveSigningKey, type Jwk } from './keys/signing-key.js';
import { createManagedIdentityIssuer } from './tokens/managed-identity.js';
import { createIdentityHandler } from './routes/handler.js';

export interface IdentityOptions {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  tenantId: string;
  /** Secret expected in X-IDENTITY-HEADER (App Service MI endpoint). Never logged. */
  identityHeader: string;
  /** PEM; created with createSigningCertificate when absent. */
  signingKey?: PemPair;
  /** MI tokens, default 86400 (24 h, as Azure MI). */
  tokenLifetimeSeconds?: number;
  /**
   * Twin extension: how long an issued MI token is handed out again for the same identity and
   * resource (Azure's MI back end caches too). Default min(lifetime/3, 8 h); 0 disables.
   * Any store change empties the cache.
   */
  tokenCacheSeconds?: number;
  /** Behaviour Azure does not document (compat-flags.ts). */
  flags?: Partial<IdentityCompatFlags>;
}

export interface ManagedIdentityTokenResponse {
  access_token: string;
  expires_on: string;
  resource: string;
  token_type: 'Bearer';
  client_id: string;
  not_before?: string;
}

export interface ManagedIdentityTokenRequestInput {
  resource: string;
  clientId?: string;
  objectId?: string;
  miResId?: string;
  /** ARM id of the resource whose system-assigned identity is wanted (see select-identity.ts). */
  ownerResourceId?: string;
}

export interface IdentityService {
  readonly tenantId: string;
  readonly signingKey: PemPair;
  /** All identity routes (OIDC discovery v1/v2, JWKS, MI endpoints). Path-based, host-agnostic. */
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** Issue a token for a managed identity in-process (same logic as the MI endpoint). Rejects with TwinError. */
  issueManagedIdentityToken(req: ManagedIdentityTokenRequestInput): Promise<ManagedIdentityTokenResponse>;
  /** The v1 JWKS (`/{tenant}/discovery/keys`). */
  jwks(): { keys: Jwk[] };
  /** Stop listening to store changes. */
  close(): void;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkOptions(o: IdentityOptions): number {
  if (!GUID.test(o.tenantId)) throw identityError('ERR_IDENTITY_OPTIONS_INVALID', `tenantId must be a GUID (got '${o.tenantId}').`);
  if (o.identityHeader === '') throw identityError('ERR_IDENTITY_OPTIONS_INVALID', 'identityHeader must not be empty.');
  const lifetime = o.tokenLifetimeSeconds ?? 86400;
  if (!Number.isInteger(lifetime) || lifetime < 300) {
    throw identityError('ERR_IDENTITY_OPTIONS_INVALID', `tokenLifetimeSeconds must be an integer ≥ 300 (got ${String(o.tokenLifetimeSeconds)}).`);
  }
  if (o.tokenCacheSeconds !== undefined && (!Number.isInteger(o.tokenCacheSeconds) || o.tokenCacheSeconds < 0)) {
    throw identityError('ERR_IDENTITY_OPTIONS_INVALID', `tokenCacheSeconds must be a non-negative integer (got ${String(o.tokenCacheSeconds)}).`);
  }
  return lifetime;
}

/** The Entra ID + managed identity twin. The signing key is loaded once; tokens are cached per identity + resource. */
export async function createIdentityService(options: IdentityOptions): Promise<IdentityService> {
  const lifetimeSeconds = checkOptions(options);
  const logger = options.logger;
  const key = await resolveSigningKey(options.signingKey, new Date(options.clock.now()));
  const issuer = createManagedIdentityIssuer({
    store: options.store,
    clock: options.clock,
    ids: options.ids,
    logger,
    tenantId: options.tenantId,
    key,
    lifetimeSeconds,
    ...(options.tokenCacheSeconds === undefined ? {} : { cacheSeconds: options.tokenCacheSeconds }),
  });
  const unsubscribe = options.store.onChange((changes) => {
    if (changes.some((c) => c.kind === 'directory')) issuer.clearCache();
  });
  const handler = createIdentityHandler({
    tenantId: options.tenantId,
    identityHeader: options.identityHeader,
    wrongIdentityHeaderStatus: { ...defaultIdentityCompatFlags, ...options.flags }.wrongIdentityHeaderStatus,
    keys: [key],
    issue: (req) => issuer.issue(req),
    clock: options.clock,
    ids: options.ids,
    logger,
  });
  const jwks: JwksDocument = buildJwks([key]);

  return {
    tenantId: options.tenantId,
    signingKey: key.pem,
    handler,
    async issueManagedIdentityToken(req) {
      const t = issuer.issue(req);
      return {
        access_token: t.accessToken,
        expires_on: String(t.exp),
        resource: t.resource,
        token_type: 'Bearer',
        client_id: t.clientId,
        not_before: String(t.nbf),
      };
    },
    jwks: () => ({ keys: jwks.keys.map((k) => ({ ...k, x5c: [...k.x5c] })) }),
    close: unsubscribe,
  };
}

import { defaultIdentityCompatFlags, type IdentityCompatFlags } from './compat-flags.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, IdGenerator, Logger, PemPair } from '../core/index.js';
import type { DirectoryObject, Store } from '../state/index.js';
import { identityError } from './errors.js';
import { aadstsMessage } from './aadsts.js';
import { issueAppToken, resolveForSts } from './tokens/app-token-issuer.js';
import { stsError, stsErrorOf } from './tokens/sts-error.js';
import { buildJwks } from './keys/jwks.js';
import { createKeyRing, withRealTimes, type KeyRingState } from './keys/key-ring.js';
import { SigningPool } from './keys/signing-pool.js';
import { loadSigningKey, type Jwk } from './keys/signing-key.js';
import { createSigningCertificate } from '../core/index.js';
import { createManagedIdentityIssuer } from './tokens/managed-identity.js';
import { createIdentityHandler } from './routes/handler.js';
import { DirectoryIndex } from './directory/directory-index.js';
import { applyDirectoryObjects, planDirectory } from './directory/apply-directory.js';
import { listDirectory } from './directory/directory-listing.js';
import { GrantStore } from './signin/grant-store.js';
import { verifyClientAssertion } from './tokens/client-assertion.js';
import { createFederatedAssertionVerifier } from './tokens/federated-assertion.js';
import { authorizationCodeGrant, deviceCodeGrant, refreshTokenGrant } from './tokens/user-grants.js';
import { parseDirectoryText, readDirectoryFile, type DirectoryDocument, type Locator } from './directory/directory-file.js';

export interface IdentityOptions {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** The default tenant (more tenants come from directory files). */
  tenantId: string;
  /** Secret expected in X-IDENTITY-HEADER (App Service MI endpoint). Never logged. */
  identityHeader: string;
  /**
   * PEM; when absent, the key ring persisted in the store (meta `identity.keys`) is used, or a new key is
   * created and persisted there (tokens stay valid across restarts).
   */
  signingKey?: PemPair;
  /** MI tokens, default 86400 (24 h, as Azure MI). */
  tokenLifetimeSeconds?: number;
  /** App-only tokens from the token endpoint (client credentials), default 3599 s as Entra answers. */
  appTokenLifetimeSeconds?: number;
  /** User access tokens; default a random 60–90 minutes, as Entra's default lifetime policy. */
  userTokenLifetimeSeconds?: number;
  /**
   * Twin extension: how long an issued MI token is handed out again for the same identity and
   * resource (Azure's MI back end caches too). Default min(lifetime/3, 8 h); 0 disables.
   * Any store change empties the cache.
   */
  tokenCacheSeconds?: number;
  /**
   * Managed identities IMDS hands out: references to identities (name of the owning resource or of
   * the user-assigned identity, client id, object id or resource id), or `'*'` for all. Default none:
   * IMDS has no secret, so every local process can call it (docs/security.md).
   */
  imdsIdentities?: readonly string[];
  /**
   * Worker threads that sign the token endpoint's tokens (RS256 ≈ 1 ms of CPU each), so a burst of token
   * requests does not hold the event loop shared with the gateway and the control plane. 0 (default): sign inline.
   */
  signingWorkers?: number;
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

export interface KeyRotation {
  kid: string;
  /** Epoch seconds, with their milliseconds (not truncated): the new key signs from then; it is in JWKS from now. */
  activatesAt: number;
  previousKid: string;
  /** Epoch seconds, with their milliseconds: the replaced key leaves JWKS then. */
  previousRemovedAt: number;
}

export interface IdentityService {
  readonly tenantId: string;
  /** The key that signs now (PEM). */
  readonly signingKey: PemPair;
  /** All identity routes (OIDC discovery v1/v2, JWKS, token endpoint, MI endpoints). */
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** Issue a token for a managed identity in-process (same logic as the MI endpoint). Rejects with TwinError. */
  issueManagedIdentityToken(req: ManagedIdentityTokenRequestInput): Promise<ManagedIdentityTokenResponse>;
  /**
   * Issue an app-only token for the directory application `clientId` in-process, as the token endpoint's client
   * credentials grant issues it (v1 `resource`, or a v2 `scope` ending in `/.default`) — without its credential: for the
   * twin's operator (the web console's "attach a token for"). Rejects with Entra's AADSTS errors (unknown app 700016,
   * unknown resource 500011).
   */
  issueApplicationToken(req: { clientId: string; resource: string }): Promise<{ access_token: string; expires_on: string; resource: string }>;
  /** The v1 JWKS (`/{tenant}/discovery/keys`). */
  jwks(): { keys: Jwk[] };
  /**
   * Apply a directory file (or its text / parsed document) in one transaction: validated against
   * schema/directory.schema.json, references resolved, ids stable. Throws ERR_IDENTITY_DIRECTORY_*.
   */
  applyDirectory(input: { file: string } | { text: string; file?: string } | { doc: DirectoryDocument }): DirectoryObject[];
  /**
   * Key rollover: publish a new signing key now, let it sign after `activateAfterSeconds` (default 0),
   * keep the replaced key in JWKS `graceSeconds` longer (default: the longest token lifetime + 5 min).
   */
  rotateSigningKey(options?: { activateAfterSeconds?: number; graceSeconds?: number }): Promise<KeyRotation>;
  /** The signing keys' state (key ids and times, no key material): what `trustline keys list` prints. */
  signingKeys(): SigningKeysState;
  /** Stop listening to store changes. */
  close(): void;
}

export interface SigningKeysState {
  signingKid: string;
  keys: Array<{ kid: string; publishedAt: string; activatesAt: string; removeAt?: string }>;
}

/** User tokens live 60–90 minutes (Entra's default lifetime policy). */
export const USER_TOKEN_MAX_LIFETIME_SECONDS = 5400;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkOptions(o: IdentityOptions): number {
  if (!GUID.test(o.tenantId)) throw identityError('ERR_IDENTITY_OPTIONS_INVALID', `tenantId must be a GUID (got '${o.tenantId}').`);
  if (o.identityHeader === '') throw identityError('ERR_IDENTITY_OPTIONS_INVALID', 'identityHeader must not be empty.');
  const lifetime = o.tokenLifetimeSeconds ?? 86400;
  if (!Number.isInteger(lifetime) || lifetime < 300) {
    throw identityError('ERR_IDENTITY_OPTIONS_INVALID', `tokenLifetimeSeconds must be an integer ≥ 300 (got ${String(o.tokenLifetimeSeconds)}).`);
  }
  const app = o.appTokenLifetimeSeconds ?? 3599;
  if (!Number.isInteger(app) || app < 300) {
    throw identityError('ERR_IDENTITY_OPTIONS_INVALID', `appTokenLifetimeSeconds must be an integer ≥ 300 (got ${String(o.appTokenLifetimeSeconds)}).`);
  }
  if (o.tokenCacheSeconds !== undefined && (!Number.isInteger(o.tokenCacheSeconds) || o.tokenCacheSeconds < 0)) {
    throw identityError('ERR_IDENTITY_OPTIONS_INVALID', `tokenCacheSeconds must be a non-negative integer (got ${String(o.tokenCacheSeconds)}).`);
  }
  return lifetime;
}

/** Does a managed identity match one of the IMDS references (name, client id, object id, resource id)? */
export function imdsMatcher(refs: readonly string[]): (mi: DirectoryObject) => boolean {
  if (refs.includes('*')) return () => true;
  const wanted = new Set(refs.map((r) => r.toLowerCase().replace(/\/+$/, '')));
  return (mi) => [mi.displayName, mi.appId, mi.objectId, mi.resourceId ?? ''].some((v) => v !== '' && wanted.has(v.toLowerCase()));
}

const KEYS_META = 'identity.keys';
/** Written by earlier versions (one key); read once and carried into the ring. */
const LEGACY_KEY_META = 'identity.signingKey';

async function openKeyRing(options: IdentityOptions, miLifetime: number, pool: SigningPool | undefined) {
  const longest = Math.max(miLifetime, options.appTokenLifetimeSeconds ?? 3599, USER_TOKEN_MAX_LIFETIME_SECONDS) + 300;
  const base = { clock: options.clock, defaultGraceMs: longest * 1000, ...(pool ? { pool } : {}) };
  // The first key is published and signs from the moment the twin starts with it (`keys list` shows that time).
  const firstKey = (pem: PemPair): KeyRingState => ({ keys: [{ cert: pem.cert, key: pem.key, publishedAt: options.clock.now(), activatesAt: options.clock.now() }] });
  if (options.signingKey) {
    const k = loadSigningKey(options.signingKey);
    return createKeyRing({ ...base, state: firstKey(k.pem) });
  }
  const persist = (s: KeyRingState) => options.store.setMeta(KEYS_META, JSON.stringify(s));
  const saved = options.store.getMeta(KEYS_META);
  let state: KeyRingState | undefined;
  if (saved) {
    const loaded = JSON.parse(saved) as KeyRingState;
    state = withRealTimes(loaded);
    if (JSON.stringify(state) !== JSON.stringify(loaded)) persist(state);
  } else {
    const legacy = options.store.getMeta(LEGACY_KEY_META);
    const pem = legacy ? (JSON.parse(legacy) as PemPair) : await createSigningCertificate('Trustline Entra token signing', new Date(options.clock.now()));
    loadSigningKey(pem);
    state = legacy ? withRealTimes({ keys: [{ cert: pem.cert, key: pem.key, publishedAt: 0, activatesAt: 0 }] }) : firstKey(pem);
    persist(state);
  }
  return createKeyRing({ ...base, state, onPersist: persist });
}

/** The Entra ID + managed identity twin. The signing key is loaded once; tokens are cached per identity + resource. */
export async function createIdentityService(options: IdentityOptions): Promise<IdentityService> {
  const lifetimeSeconds = checkOptions(options);
  const logger = options.logger;
  const workers = options.signingWorkers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
    throw identityError('ERR_IDENTITY_OPTIONS_INVALID', `signingWorkers must be an integer from 0 to 64 (got ${String(options.signingWorkers)}).`);
  }
  const pool = workers > 0 ? new SigningPool(workers) : undefined;
  const keys = await openKeyRing(options, lifetimeSeconds, pool);
  /** The key ring's state without key material (`trustline keys list`, the console). */
  const signingKeys = (): SigningKeysState => ({
    signingKid: keys.current().kid,
    keys: keys.state().keys.map((k) => ({
      kid: loadSigningKey({ cert: k.cert, key: k.key }).kid,
      publishedAt: new Date(k.publishedAt).toISOString(),
      activatesAt: new Date(k.activatesAt).toISOString(),
      ...(k.removeAt === undefined ? {} : { removeAt: new Date(k.removeAt).toISOString() }),
    })),
  });
  const directory = new DirectoryIndex(options.store, options.tenantId);
  const issuer = createManagedIdentityIssuer({
    directory,
    clock: options.clock,
    ids: options.ids,
    logger,
    tenantId: options.tenantId,
    keys,
    lifetimeSeconds,
    ...(options.tokenCacheSeconds === undefined ? {} : { cacheSeconds: options.tokenCacheSeconds }),
  });
  const unsubscribe = options.store.onChange((changes) => {
    if (changes.some((c) => c.kind === 'directory')) issuer.clearCache();
  });
  // A cached MI token must never outlive its key's place in JWKS: any signer or JWKS change empties the cache.
  keys.onChange(() => issuer.clearCache());
  const grants = new GrantStore(options.clock);
  const flags: IdentityCompatFlags = { ...defaultIdentityCompatFlags, ...options.flags };
  const verifyAssertion = (app: DirectoryObject, assertion: string, tenantId: string) => verifyClientAssertion(app, assertion, tenantId, options.clock);
  const verifyFederatedAssertion = createFederatedAssertionVerifier({ directory, keys, clock: options.clock });
  const userDeps = {
    directory,
    keys,
    clock: options.clock,
    ids: options.ids,
    logger: logger.child('sts'),
    grants,
    verifyAssertion,
    verifyFederatedAssertion,
    presumeConsentWithoutGrants: flags.presumeConsentWithoutGrants,
    ...(options.userTokenLifetimeSeconds === undefined ? {} : { userTokenLifetimeSeconds: options.userTokenLifetimeSeconds }),
  };
  const appTokenDeps = { directory, keys, clock: options.clock, ids: options.ids, lifetimeSeconds: options.appTokenLifetimeSeconds ?? 3599 };
  const handler = createIdentityHandler({
    tenantId: options.tenantId,
    identityHeader: options.identityHeader,
    wrongIdentityHeaderStatus: flags.wrongIdentityHeaderStatus,
    directory,
    keys,
    issue: (req, eligible) => issuer.issue(req, eligible),
    imdsEligible: imdsMatcher(options.imdsIdentities ?? []),
    token: {
      directory,
      keys,
      clock: options.clock,
      ids: options.ids,
      logger: logger.child('sts'),
      lifetimeSeconds: appTokenDeps.lifetimeSeconds,
      verifyAssertion,
      verifyFederatedAssertion,
      grants: {
        authorization_code: authorizationCodeGrant(userDeps),
        refresh_token: refreshTokenGrant(userDeps),
        'urn:ietf:params:oauth:grant-type:device_code': deviceCodeGrant(userDeps),
        device_code: deviceCodeGrant(userDeps),
      },
    },
    authorize: { ...userDeps, logger: logger.child('sign-in') },
    admin: {
      identityHeader: options.identityHeader,
      logger,
      list: () => listDirectory(options.store.listDirectoryObjects(), directory.tenants()),
      apply: (text, file) => applyDirectory(file === undefined ? { text } : { text, file }).length,
      rotate: (o) => rotateSigningKey(o),
      keys: () => signingKeys(),
    },
    clock: options.clock,
    ids: options.ids,
    logger,
  });

  const rotateSigningKey: IdentityService['rotateSigningKey'] = async (o = {}) => {
    const key = await createSigningCertificate('Trustline Entra token signing', new Date(options.clock.now()));
    const r = keys.rotate({
      key,
      ...(o.activateAfterSeconds === undefined ? {} : { activateAfterMs: o.activateAfterSeconds * 1000 }),
      ...(o.graceSeconds === undefined ? {} : { graceMs: o.graceSeconds * 1000 }),
    });
    issuer.clearCache();
    logger.info('signing key rotated', { kid: r.kid, activatesAt: new Date(r.activatesAt).toISOString(), previousKid: r.previousKid, previousRemovedAt: new Date(r.previousRemovedAt).toISOString() });
    return { kid: r.kid, activatesAt: r.activatesAt / 1000, previousKid: r.previousKid, previousRemovedAt: r.previousRemovedAt / 1000 };
  };

  const applyDirectory: IdentityService['applyDirectory'] = (input) => {
    let doc: DirectoryDocument;
    let locate: Locator | undefined;
    let origin = 'declared in a directory file';
    if ('doc' in input) doc = input.doc;
    else {
      const parsed = 'text' in input ? parseDirectoryText(input.text, input.file) : readDirectoryFile(input.file);
      doc = parsed.doc;
      locate = parsed.locate;
      if (input.file) origin = `declared in ${input.file}`;
    }
    const planned = planDirectory(doc, options.store.listDirectoryObjects(), {
      defaultTenantId: options.tenantId,
      origin,
      ...(locate ? { locate } : {}),
    });
    applyDirectoryObjects(options.store, planned, logger.child('directory'));
    return planned;
  };

  return {
    tenantId: options.tenantId,
    signingKeys: () => signingKeys(),
    get signingKey() {
      return keys.current().pem;
    },
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
    async issueApplicationToken(req) {
      const resourceName = req.resource.replace(/\/\.default$/i, '');
      let t: Awaited<ReturnType<typeof issueAppToken>>;
      let app: DirectoryObject | undefined;
      try {
        app = directory.application(options.tenantId, req.clientId);
        if (!app) throw stsError('applicationNotFound', { appId: req.clientId, tenant: options.tenantId });
        t = await issueAppToken(appTokenDeps, { tenantId: options.tenantId, client: app, authMethod: '1', resource: resolveForSts(directory, resourceName, options.tenantId) });
      } catch (e) {
        // Entra's words (AADSTS code and description) rather than the table entry's name.
        const sts = stsErrorOf(e);
        if (!sts) throw e;
        throw identityError('ERR_IDENTITY_STS_REJECTED', aadstsMessage(sts.name, sts.args), { aadsts: sts.name, args: sts.args });
      }
      logger.child('sts').info('issued app token (in-process, for the operator)', { clientId: app.appId, resource: resourceName, exp: t.exp });
      return { access_token: t.accessToken, expires_on: String(t.exp), resource: resourceName };
    },
    jwks: () => buildJwks(keys.published()),
    applyDirectory,
    rotateSigningKey,
    close: () => {
      unsubscribe();
      directory.close();
      void pool?.close();
    },
  };
}

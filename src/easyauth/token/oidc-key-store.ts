import type { KeyObject } from 'node:crypto';
import { TwinError, isTwinError, type Clock, type HttpClient, type Logger } from '../../core/index.js';
import { keyFromJwk } from './jwt.js';

export interface OidcMetadata {
  issuer: string;
  jwksUri: string;
  authorizationEndpoint?: string;
  /** For the login flow: code redemption and refresh (`token_endpoint`). */
  tokenEndpoint?: string;
}

interface Snapshot {
  metadata: OidcMetadata;
  /** kid and x5t → key. */
  keys: Map<string, KeyObject>;
  fetchedAt: number;
}

export interface OidcKeyStoreOptions {
  metadataUrl: string;
  httpClient: HttpClient;
  clock: Clock;
  logger: Logger;
  /** Routine refetch after this many seconds. */
  cacheSeconds: number;
  /** An unknown kid triggers a refetch at most this often. */
  refetchMinIntervalSeconds: number;
}

/**
 * OIDC metadata + JWKS for one issuer, fetched through the injected HttpClient (the runtime
 * maps `login.microsoftonline.com` / `sts.windows.net` to the local identity listener).
 * Concurrent callers share one fetch; an unknown `kid` refetches at most once per interval.
 */
export class OidcKeyStore {
  readonly #o: OidcKeyStoreOptions;
  #snapshot: Snapshot | undefined;
  #inflight: Promise<Snapshot> | undefined;
  #lastRefetchForKid = Number.NEGATIVE_INFINITY;
  #lastFailureAt = Number.NEGATIVE_INFINITY;
  /** Number of metadata fetches done (for tests and diagnostics). */
  fetchCount = 0;
  /** Why the last refresh failed while cached keys were kept (cleared by a successful fetch). */
  lastRefreshError: string | undefined;

  constructor(options: OidcKeyStoreOptions) {
    this.#o = options;
  }

  async metadata(): Promise<OidcMetadata> {
    return (await this.#current()).metadata;
  }

  /**
   * The key for `kid` (or `x5t`), refetching once when unknown and the interval allows. Under load, a
   * key rollover sends many requests with the new kid at once: they all wait for the one refetch under
   * way (or take the snapshot it just stored) instead of failing on the rate limit.
   */
  async key(kid: string): Promise<KeyObject | undefined> {
    const snap = await this.#current();
    const hit = snap.keys.get(kid);
    if (hit) return hit;
    const latest = this.#snapshot;
    if (latest && latest !== snap) {
      const k = latest.keys.get(kid);
      if (k) return k;
    }
    if (this.#inflight) return (await this.#inflight).keys.get(kid);
    const now = this.#o.clock.now();
    if (now - this.#lastRefetchForKid < this.#o.refetchMinIntervalSeconds * 1000) return undefined;
    this.#lastRefetchForKid = now;
    this.#o.logger.info('unknown signing key id; refetching OIDC keys', { metadataUrl: this.#o.metadataUrl });
    const fresh = await this.#refreshKeepingCached(snap);
    return fresh.keys.get(kid);
  }

  /**
   * The current snapshot. When it is due for a refresh and the refresh fails, the cached metadata and keys
   * keep serving (as .NET's ConfigurationManager keeps its last good configuration): tokens signed by known
   * keys keep working while the endpoint is down, a new `kid` fails closed (401). Retries wait
   * `refetchMinIntervalSeconds`. Only a first fetch that fails is a configuration error (500).
   */
  async #current(): Promise<Snapshot> {
    const snap = this.#snapshot;
    if (!snap) return this.#fetch();
    const now = this.#o.clock.now();
    if (now - snap.fetchedAt < this.#o.cacheSeconds * 1000) return snap;
    if (now - this.#lastFailureAt < this.#o.refetchMinIntervalSeconds * 1000) return snap;
    return this.#refreshKeepingCached(snap);
  }

  async #refreshKeepingCached(snap: Snapshot): Promise<Snapshot> {
    try {
      return await this.#fetch();
    } catch (e) {
      this.#lastFailureAt = this.#o.clock.now();
      this.lastRefreshError = messageOf(e);
      this.#o.logger.warn('refreshing the OIDC metadata and keys failed; the cached keys stay in use', { metadataUrl: this.#o.metadataUrl, error: this.lastRefreshError });
      return snap;
    }
  }

  #fetch(): Promise<Snapshot> {
    if (this.#inflight) return this.#inflight;
    const p = this.#load().finally(() => {
      this.#inflight = undefined;
    });
    this.#inflight = p;
    return p;
  }

  async #load(): Promise<Snapshot> {
    this.fetchCount++;
    const { httpClient, metadataUrl } = this.#o;
    let doc: unknown;
    try {
      doc = await httpClient.getJson(metadataUrl);
    } catch (e) {
      throw new TwinError('ERR_EASYAUTH_METADATA_FETCH', `OIDC metadata ${metadataUrl} unreachable: ${messageOf(e)}`, { cause: e });
    }
    const md = doc as Record<string, unknown> | null;
    if (!md || typeof md.issuer !== 'string' || typeof md.jwks_uri !== 'string') {
      throw new TwinError('ERR_EASYAUTH_METADATA_INVALID', `OIDC metadata ${metadataUrl} lacks issuer or jwks_uri`);
    }
    let jwks: unknown;
    try {
      jwks = await httpClient.getJson(md.jwks_uri);
    } catch (e) {
      throw new TwinError('ERR_EASYAUTH_METADATA_FETCH', `JWKS ${md.jwks_uri} unreachable: ${messageOf(e)}`, { cause: e });
    }
    const list = (jwks as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(list)) throw new TwinError('ERR_EASYAUTH_METADATA_INVALID', `JWKS ${md.jwks_uri} has no keys array`);
    const keys = new Map<string, KeyObject>();
    for (const jwk of list) {
      if (typeof jwk !== 'object' || jwk === null) continue;
      const entry = jwk as Record<string, unknown>;
      const key = keyFromJwk(entry);
      if (!key) continue;
      if (typeof entry.kid === 'string') keys.set(entry.kid, key);
      if (typeof entry.x5t === 'string' && !keys.has(entry.x5t)) keys.set(entry.x5t, key);
    }
    const metadata: OidcMetadata = { issuer: md.issuer, jwksUri: md.jwks_uri };
    if (typeof md.authorization_endpoint === 'string') metadata.authorizationEndpoint = md.authorization_endpoint;
    if (typeof md.token_endpoint === 'string') metadata.tokenEndpoint = md.token_endpoint;
    const snap: Snapshot = { metadata, keys, fetchedAt: this.#o.clock.now() };
    this.#snapshot = snap;
    this.lastRefreshError = undefined;
    return snap;
  }
}

function messageOf(e: unknown): string {
  return isTwinError(e) || e instanceof Error ? e.message : String(e);
}

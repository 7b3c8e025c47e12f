import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { Clock, HttpClient } from '../../core/index.js';

/**
 * The signing keys of `<openid-config url>` documents, per gateway (docs/behaviour/apim.md §2, validate-jwt;
 * §7, behaviour 30). The metadata and its JWKS are kept for an hour ("JWKS cached for 1 hour",
 * MicrosoftDocs/azure-docs#63118, #93033) [obs]. A token whose `kid` the cached set lacks asks for a refresh
 * (an issuer rotating its keys): the first such refresh of an entry happens at once, later ones at most once
 * per 5 minutes (the refresh interval of the .NET configuration manager APIM's token handler uses) [?]; a kid
 * miss inside that interval is answered from the cached set. A failed refresh keeps the previous keys (and is
 * not retried for 5 minutes); with no previous keys the failure reaches the request and the next one asks
 * again. Concurrent refreshes of one URL share one fetch.
 */
export const OPENID_KEYS_TTL_MS = 3600_000;
export const OPENID_REFRESH_INTERVAL_MS = 300_000;

export interface OpenIdKeys { keys: JSONWebKeySet; getKey: ReturnType<typeof createLocalJWKSet>; fetchedAt: number; issuer?: string }

interface Entry {
  current?: OpenIdKeys;
  inflight?: Promise<OpenIdKeys>;
  /** When a kid miss last refreshed (ms); undefined: never. */
  missRefreshAt?: number;
  /** No refresh before this time after a failed one that kept the previous keys (ms). */
  retryAfter?: number;
}

export class OpenIdKeyCache {
  /** By URL; the URLs come from policy documents (expressions may vary them: oldest dropped past 1,000). */
  readonly #entries = new Map<string, Entry>();
  /** Metadata + JWKS fetch pairs made (tests, decision notes). */
  fetches = 0;

  /**
   * The keys of the configuration at `url`. `kidMiss`: the caller's token names a key the set it was given
   * lacks. `refreshed` is true when this call fetched (or waited for a fetch).
   */
  async get(http: HttpClient, clock: Clock, url: string, kidMiss: boolean): Promise<{ keys: OpenIdKeys; refreshed: boolean }> {
    let e = this.#entries.get(url);
    if (!e) {
      e = {};
      this.#entries.set(url, e);
      if (this.#entries.size > 1000) this.#entries.delete(this.#entries.keys().next().value!);
    }
    if (e.inflight) return { keys: await e.inflight, refreshed: true };
    const now = clock.now();
    const cur = e.current;
    if (cur && now < (e.retryAfter ?? 0)) return { keys: cur, refreshed: false };
    if (cur && now - cur.fetchedAt < OPENID_KEYS_TTL_MS) {
      if (!kidMiss) return { keys: cur, refreshed: false };
      if (e.missRefreshAt !== undefined && now - e.missRefreshAt < OPENID_REFRESH_INTERVAL_MS) return { keys: cur, refreshed: false };
      e.missRefreshAt = now;
    }
    const entry = e;
    const p = this.#fetch(http, clock, url).then(
      (keys) => { entry.current = keys; delete entry.retryAfter; return keys; },
      (err: unknown) => {
        if (!entry.current) throw err;
        entry.retryAfter = clock.now() + OPENID_REFRESH_INTERVAL_MS;
        return entry.current;
      },
    ).finally(() => { delete entry.inflight; });
    entry.inflight = p;
    return { keys: await p, refreshed: true };
  }

  async #fetch(http: HttpClient, clock: Clock, url: string): Promise<OpenIdKeys> {
    this.fetches++;
    const meta = (await http.getJson(url)) as { jwks_uri?: unknown; issuer?: unknown } | null;
    if (!meta || typeof meta.jwks_uri !== 'string') throw new Error(`no jwks_uri in ${url}`);
    const keys = (await http.getJson(meta.jwks_uri)) as JSONWebKeySet | null;
    if (!keys || !Array.isArray(keys.keys)) throw new Error(`no keys at ${meta.jwks_uri}`);
    return { keys, getKey: createLocalJWKSet(keys), fetchedAt: clock.now(), ...(typeof meta.issuer === 'string' ? { issuer: meta.issuer } : {}) };
  }
}

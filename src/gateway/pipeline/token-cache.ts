import type { Clock, Logger } from '../../core/index.js';
import type { ManagedIdentityTokenProvider } from '../types.js';
import { decodeClaims } from './decision.js';

interface Entry { token: string; refreshAtMs: number; expiresAtMs: number; claims: Record<string, unknown> | undefined }

/**
 * Managed-identity tokens cached per (clientId, resource) until shortly before they expire, as APIM
 * does; concurrent misses share one fetch.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #provider: ManagedIdentityTokenProvider;
  readonly #clock: Clock;
  readonly #marginMs: number;
  readonly #logger: Logger;
  fetches = 0;

  constructor(provider: ManagedIdentityTokenProvider, clock: Clock, logger: Logger, marginSeconds = 300) {
    this.#provider = provider;
    this.#clock = clock;
    this.#logger = logger;
    this.#marginMs = marginSeconds * 1000;
  }

  /** Is a token for (resource, clientId) cached and fresh (the next `get` is a hit)? */
  isFresh(resource: string, clientId: string | undefined): boolean {
    const e = this.#entries.get(`${clientId ?? ''}\n${resource}`);
    return e !== undefined && this.#clock.now() < e.refreshAtMs;
  }

  /** The decoded claims of the cached token (for the decision record). */
  claims(resource: string, clientId: string | undefined): Record<string, unknown> | undefined {
    return this.#entries.get(`${clientId ?? ''}\n${resource}`)?.claims;
  }

  get(resource: string, clientId: string | undefined): Promise<string> | string {
    const key = `${clientId ?? ''}\n${resource}`;
    const e = this.#entries.get(key);
    const now = this.#clock.now();
    if (e && now < e.refreshAtMs) return e.token;
    const pending = this.#inflight.get(key);
    if (pending) return pending;
    const p = this.#fetch(key, resource, clientId).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  async #fetch(key: string, resource: string, clientId: string | undefined): Promise<string> {
    this.fetches++;
    const startedAt = this.#clock.now();
    const t = await this.#provider.getToken(clientId === undefined ? { resource } : { resource, clientId });
    const expiresAtMs = t.expiresOnSeconds * 1000;
    const lifetime = Math.max(0, expiresAtMs - startedAt);
    const refreshAtMs = expiresAtMs - Math.min(this.#marginMs, lifetime / 2);
    this.#entries.set(key, { token: t.accessToken, refreshAtMs, expiresAtMs, claims: decodeClaims(t.accessToken) });
    this.#logger.debug('managed identity token fetched', { resource, clientId: clientId ?? 'system-assigned', expiresOnSeconds: t.expiresOnSeconds });
    return t.accessToken;
  }
}

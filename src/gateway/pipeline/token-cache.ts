import type { Clock, Logger } from '../../core/index.js';
import type { ManagedIdentityTokenProvider } from '../types.js';
import { decodeClaims } from './decision.js';

interface Entry { token: string; refreshAtMs: number; expiresAtMs: number; claims: Record<string, unknown> | undefined }

/** Most tokens one gateway keeps (oldest dropped first; docs/limits.md). */
export const MAX_CACHED_TOKENS = 1000;

/**
 * Which identity a token is for: the system-assigned identity (by its principal id when the service
 * has one, so a re-created identity never gets the old one's tokens) or a user-assigned one by client
 * id (a GUID: compared without case).
 */
export interface TokenIdentity { clientId?: string | undefined; systemPrincipalId?: string | undefined }

const keyOf = (resource: string, who: TokenIdentity) =>
  `${who.clientId !== undefined ? `user:${who.clientId.toLowerCase()}` : `system:${who.systemPrincipalId?.toLowerCase() ?? ''}`}\n${resource}`;

/**
 * Managed-identity tokens cached per (identity, resource) until shortly before they expire
 * ("API Management caches the token until it expires", docs/behaviour/apim.md §2; §7, behaviour 22): the
 * refresh happens `marginSeconds` (default 300) before `exp`, or half-way through a token that lives less
 * than twice that. A token past its expiry is never served. Concurrent misses for one key share one fetch;
 * a failed fetch is not cached (the next request asks again).
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

  /** Is a token for (resource, identity) cached and fresh (the next `get` is a hit)? */
  isFresh(resource: string, who: TokenIdentity): boolean {
    const e = this.#entries.get(keyOf(resource, who));
    return e !== undefined && this.#clock.now() < e.refreshAtMs;
  }

  /** The decoded claims of the cached token (for the decision record). */
  claims(resource: string, who: TokenIdentity): Record<string, unknown> | undefined {
    return this.#entries.get(keyOf(resource, who))?.claims;
  }

  get(resource: string, who: TokenIdentity): Promise<string> | string {
    const key = keyOf(resource, who);
    const e = this.#entries.get(key);
    const now = this.#clock.now();
    if (e && now < e.refreshAtMs) return e.token;
    const pending = this.#inflight.get(key);
    if (pending) return pending;
    const p = this.#fetch(key, resource, who.clientId).finally(() => this.#inflight.delete(key));
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
    this.#entries.delete(key);
    this.#entries.set(key, { token: t.accessToken, refreshAtMs, expiresAtMs, claims: decodeClaims(t.accessToken) });
    if (this.#entries.size > MAX_CACHED_TOKENS) this.#entries.delete(this.#entries.keys().next().value!);
    this.#logger.debug('managed identity token fetched', { resource, clientId: clientId ?? 'system-assigned', expiresOnSeconds: t.expiresOnSeconds });
    return t.accessToken;
  }
}

import type { Claims } from './validate-token.js';

/** What a verified token yields; reused for every later request carrying the same token string. */
export interface VerifiedToken {
  claims: Claims;
  exp: number;
  nbf: number | undefined;
  /** Identity headers derived once (PERFORMANCE.md G3). */
  headers: Record<string, string>;
  /** The same as a flat `[name, value, …]` list, made on first use (appended to a forwarded request's raw list). */
  headerList?: string[];
  /** The steps recorded when the token was verified, replayed into traces on a hit. */
  summary: string;
  /**
   * Per-token results the handler derives once (authorization is a function of the claims and the site's
   * settings, which a handler never changes): the decision and its steps, replayed on later requests.
   */
  authz?: { ok: boolean; status?: 403 | 500; steps: Array<{ step: string; ok: boolean; reason: string }> };
  principal?: Record<string, string>;
  /** The trace step of a cache hit (the same for every request with this token: one object, shared). */
  hitStep?: { step: string; ok: boolean; reason: string };
}

/**
 * Verified-token cache keyed by the token string, bounded (oldest entry evicted first).
 * Entries are dropped when the token's `exp` (+ skew) has passed; the caller re-checks lifetime.
 */
export class VerifiedTokenCache {
  readonly #max: number;
  readonly #map = new Map<string, VerifiedToken>();
  /**
   * The entry found last, by its token: a caller that sends the same token on every request (APIM's managed identity,
   * a client's cached token) is answered by comparing the strings, without hashing a 1–2 KB key per request.
   */
  #lastToken: string | undefined;
  #lastEntry: VerifiedToken | undefined;

  constructor(maxEntries: number) {
    this.#max = Math.max(0, Math.floor(maxEntries));
  }

  get size(): number {
    return this.#map.size;
  }

  get(token: string, nowSeconds: number, skewSeconds: number): VerifiedToken | undefined {
    let hit: VerifiedToken | undefined;
    if (this.#lastToken !== undefined && token.length === this.#lastToken.length && token === this.#lastToken) hit = this.#lastEntry;
    else {
      hit = this.#map.get(token);
      if (!hit) return undefined;
      this.#lastToken = token;
      this.#lastEntry = hit;
    }
    if (nowSeconds > hit!.exp + skewSeconds) {
      this.#map.delete(token);
      this.#forgetLast();
      return undefined;
    }
    return hit;
  }

  set(token: string, entry: VerifiedToken): void {
    if (this.#max === 0) return;
    this.#map.delete(token);
    while (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.#map.delete(oldest.value);
    }
    this.#map.set(token, entry);
    this.#forgetLast();
  }

  clear(): void {
    this.#map.clear();
    this.#forgetLast();
  }

  #forgetLast(): void {
    this.#lastToken = undefined;
    this.#lastEntry = undefined;
  }
}

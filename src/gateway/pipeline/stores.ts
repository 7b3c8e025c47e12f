/**
 * What policies keep between requests, per gateway (docs/behaviour/apim.md §2): the internal cache (cache-*-value,
 * cache-lookup/store), rate-limit and quota counters, limit-concurrency slots and openid-config signing keys. In memory, bounded
 * by entry count; times come from the gateway's injected clock.
 */
import { OpenIdKeyCache } from './openid-keys.js';

export interface CacheEntry { value: unknown; expiresAtMs: number }

/** Most entries one store keeps (oldest dropped first). docs/limits.md. */
export const MAX_STORE_ENTRIES = 10_000;

export class BoundedMap<V> {
  readonly #m = new Map<string, V>();
  get(k: string): V | undefined { return this.#m.get(k); }
  set(k: string, v: V): void {
    this.#m.delete(k);
    this.#m.set(k, v);
    if (this.#m.size > MAX_STORE_ENTRIES) this.#m.delete(this.#m.keys().next().value!);
  }
  delete(k: string): void { this.#m.delete(k); }
  get size(): number { return this.#m.size; }
}

export interface GatewayStores {
  cache: BoundedMap<CacheEntry>;
  /** Sliding windows: accepted call times (ms), oldest first. */
  rate: BoundedMap<number[]>;
  /** Fixed windows: start (ms), calls and kilobytes counted. */
  quota: BoundedMap<{ start: number; calls: number; kb: number }>;
  /** limit-concurrency: requests in flight per key. */
  concurrency: Map<string, number>;
  /** validate-jwt / validate-azure-ad-token: openid-config metadata and signing keys by URL. */
  openId: OpenIdKeyCache;
}

export function newStores(): GatewayStores {
  return { cache: new BoundedMap(), rate: new BoundedMap(), quota: new BoundedMap(), concurrency: new Map(), openId: new OpenIdKeyCache() };
}

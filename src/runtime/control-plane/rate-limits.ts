import type { Clock } from '../../core/index.js';

/**
 * ARM's request counting, as its `x-ms-ratelimit-remaining-*` headers report it (docs/behaviour/arm-rest.md, "Wire
 * format"). ARM throttles with token buckets per security principal and subscription (Learn, "Understand how Azure
 * Resource Manager throttles requests": reads 250 refilled at 25/s, writes and deletes 200 at 10/s, and the subscription
 * as a whole 15 times that, the `…-global-…` headers). A write answered by ARM carries
 * `x-ms-ratelimit-remaining-subscription-writes: 199` and `x-ms-ratelimit-remaining-subscription-global-writes: 2999`
 * (observed, 2026). Requests without a subscription are counted per principal and tenant (`…-tenant-reads|writes`).
 * The twin reports the buckets; it never answers 429 (docs/differences.md).
 */
export type RequestKind = 'reads' | 'writes' | 'deletes';

const BUCKETS: Record<RequestKind, { size: number; perSecond: number }> = {
  reads: { size: 250, perSecond: 25 },
  writes: { size: 200, perSecond: 10 },
  deletes: { size: 200, perSecond: 10 },
};
/** The subscription's global bucket is this many times a principal's. */
const GLOBAL_FACTOR = 15;
/** Buckets kept (principals × scopes); the least recently used goes first beyond it (docs/limits.md). */
const MAX_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/** The kind ARM counts a request as: GET/HEAD read, DELETE delete, everything else (PUT, PATCH, POST actions) write. */
export function requestKind(method: string): RequestKind {
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD' ? 'reads' : m === 'DELETE' ? 'deletes' : 'writes';
}

export class RateLimits {
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Count one request and answer the headers ARM adds for it. `subscriptionId` undefined: a tenant-level request.
   * `principal`: the caller's object or application id (one anonymous caller without authentication).
   */
  take(kind: RequestKind, subscriptionId: string | undefined, principal: string | undefined): Record<string, string> {
    const who = (principal ?? 'anonymous').toLowerCase();
    if (subscriptionId === undefined) {
      // ARM's tenant headers name reads and writes (a delete counts as a write there).
      const tenantKind = kind === 'reads' ? 'reads' : 'writes';
      return { [`x-ms-ratelimit-remaining-tenant-${tenantKind}`]: String(this.#take(`t|${who}|${tenantKind}`, tenantKind, 1)) };
    }
    const sub = subscriptionId.toLowerCase();
    return {
      [`x-ms-ratelimit-remaining-subscription-${kind}`]: String(this.#take(`s|${sub}|${who}|${kind}`, kind, 1)),
      [`x-ms-ratelimit-remaining-subscription-global-${kind}`]: String(this.#take(`g|${sub}|${kind}`, kind, GLOBAL_FACTOR)),
    };
  }

  /** Refill the bucket for the time since its last request, take one token, answer what remains (never below 0). */
  #take(key: string, kind: RequestKind, factor: number): number {
    const { size, perSecond } = BUCKETS[kind];
    const now = this.#clock.now();
    const b = this.#buckets.get(key) ?? { tokens: size * factor, at: now };
    this.#buckets.delete(key);
    const refilled = Math.min(size * factor, b.tokens + (Math.max(0, now - b.at) / 1000) * perSecond * factor);
    const left = Math.max(0, refilled - 1);
    this.#buckets.set(key, { tokens: left, at: now });
    if (this.#buckets.size > MAX_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value!);
    return Math.floor(left);
  }
}

/** `x-ms-routing-request-id` as ARM writes it: `{REGION}:{yyyyMMddTHHmmssZ}:{request id}` (`WESTEUROPE:20260715T161434Z:…`). */
export function routingRequestId(location: string, ms: number, requestId: string): string {
  const stamp = new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return `${location.replace(/\s+/g, '').toUpperCase()}:${stamp}:${requestId}`;
}

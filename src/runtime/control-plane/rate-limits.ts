import type { Clock } from '../../core/index.js';

/**
 * ARM's request counting, as its `x-ms-ratelimit-remaining-*` headers report it (docs/behaviour/arm-rest.md, "Wire
 * format"). ARM throttles with token buckets per security principal and subscription (Learn, "Understand how Azure
 * Resource Manager throttles requests": reads 250 refilled at 25/s, writes and deletes 200 at 10/s, and the subscription
 * as a whole 15 times that, the `…-global-…` headers). A write answered by ARM carries
 * `x-ms-ratelimit-remaining-subscription-writes: 199` and `x-ms-ratelimit-remaining-subscription-global-writes: 2999`
 * (observed, 2026). Requests without a subscription are counted per principal and tenant (`…-tenant-reads|writes`).
 * The twin reports the buckets; by default it never answers 429 (docs/differences.md). With
 * `compat.controlPlane.throttle`, a request that finds the caller's subscription bucket empty is refused as ARM refuses
 * it: 429, `Retry-After` (seconds until a token is back), `{"error":{"code":"SubscriptionRequestsThrottled","message":
 * "Number of 'read' requests for subscription '{id}' actor '{principal}' exceeded. Please try again after '{n}'
 * seconds."}}` (observed: a control-plane answer recorded verbatim in a public test fixture, 2026; Learn names the
 * status, the header and the code). Throttled requests take no token.
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

/** What counting a request answered: ARM's headers, and when the caller's bucket was empty (throttling on) ARM's 429. */
export interface Taken {
  headers: Record<string, string>;
  throttled?: { retryAfterSeconds: number; message: string };
}

const SINGULAR: Record<RequestKind, string> = { reads: 'read', writes: 'write', deletes: 'delete' };

/** The kind ARM counts a request as: GET/HEAD read, DELETE delete, everything else (PUT, PATCH, POST actions) write. */
export function requestKind(method: string): RequestKind {
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD' ? 'reads' : m === 'DELETE' ? 'deletes' : 'writes';
}

export class RateLimits {
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();
  readonly #throttle: boolean;

  constructor(clock: Clock, options: { throttle?: boolean } = {}) {
    this.#clock = clock;
    this.#throttle = options.throttle ?? false;
  }

  /**
   * Count one request as `take` does; with throttling on, a caller whose subscription bucket is empty gets ARM's 429
   * instead (the request takes nothing). Tenant-level requests and the subscription's global bucket are counted, never
   * throttled (ARM's answers for them are not documented).
   */
  admit(kind: RequestKind, subscriptionId: string | undefined, principal: string | undefined): Taken {
    if (this.#throttle && subscriptionId !== undefined) {
      const who = (principal ?? 'anonymous').toLowerCase();
      const sub = subscriptionId.toLowerCase();
      const wait = this.#waitFor(`s|${sub}|${who}|${kind}`, kind);
      if (wait > 0) {
        const retryAfterSeconds = Math.max(1, Math.ceil(wait));
        return {
          headers: { [`x-ms-ratelimit-remaining-subscription-${kind}`]: '0' },
          throttled: {
            retryAfterSeconds,
            message: `Number of '${SINGULAR[kind]}' requests for subscription '${subscriptionId}' actor '${principal ?? 'anonymous'}' exceeded. Please try again after '${retryAfterSeconds}' seconds.`,
          },
        };
      }
    }
    return { headers: this.take(kind, subscriptionId, principal) };
  }

  /** Seconds until the bucket holds a whole token again (0: it holds one now). */
  #waitFor(key: string, kind: RequestKind): number {
    const b = this.#buckets.get(key);
    if (!b) return 0;
    const { size, perSecond } = BUCKETS[kind];
    const tokens = Math.min(size, b.tokens + (Math.max(0, this.#clock.now() - b.at) / 1000) * perSecond);
    return tokens >= 1 ? 0 : (1 - tokens) / perSecond;
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

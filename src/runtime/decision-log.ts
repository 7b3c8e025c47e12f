import type { GatewayDecision } from '../gateway/index.js';
import type { AuthDecision } from '../easyauth/index.js';
import type { RawRequest } from './request-capture.js';

/** A site's decision record: Easy Auth's trace of one request, the front end's request id, and the backend call. */
export interface SiteDecision {
  kind: 'site';
  /** `X-ARR-LOG-ID` of the request (App Service's own request id; also the response's `x-trustline-site-request-id`). */
  requestId: string;
  site: string;
  /** ISO time the request arrived. */
  time: string;
  method: string;
  path: string;
  host: string;
  scheme: 'http' | 'https';
  outcome: AuthDecision['outcome'];
  /** What the caller got. */
  status: number | undefined;
  steps: AuthDecision['steps'];
  principal?: AuthDecision['principal'];
  tokenCache?: AuthDecision['tokenCache'];
  errorCode?: string;
  /** The call to the function backend, when the request was forwarded. */
  backend?: { url: string; status?: number; error?: string; ms: number };
  durationMs: number;
  /**
   * The request as it reached the site's listener from outside (not a hop the gateway dispatched in-process), for the
   * console's replay. Twin-internal and holding the caller's secrets: the twin moves it into its request log
   * (request-capture.ts) before the record is kept, so no decision record served carries it.
   */
  request?: RawRequest;
}

export type DecisionRecord = GatewayDecision | SiteDecision;

/** Twin-only response headers that name a request's decision record (docs/differences.md). */
export const SITE_REQUEST_ID_HEADER = 'x-trustline-site-request-id';
export const APIM_REQUEST_ID_HEADER = 'x-trustline-apim-request-id';

export interface DecisionLog {
  add(record: DecisionRecord): void;
  /** The record of one request (gateway `requestId` or site `X-ARR-LOG-ID`). */
  get(requestId: string): DecisionRecord | undefined;
  /** The last `n` records, oldest first. */
  last(n: number): DecisionRecord[];
  /**
   * One request's record and the records of the requests it caused: for a gateway request, the site requests that
   * arrived while it ran (its backend calls). Undefined when the record is no longer kept.
   */
  related(requestId: string): DecisionRecord[] | undefined;
  /**
   * The last `n` requests that came from outside the twin, oldest first, each gateway request with the site records
   * that arrived while it ran (its backend calls): `trustline explain --last N` shows N requests, not N records (a
   * call through the gateway is two records, and the site's is added first).
   */
  requests(n: number): DecisionRecord[];
  readonly size: number;
}

/** A site record that arrived while gateway request `g` ran (from its start to its end, 1 ms of rounding). */
export function during(g: DecisionRecord, r: DecisionRecord): boolean {
  if (g.kind !== 'apim' || r.kind !== 'site') return false;
  const start = Date.parse(g.time);
  const t = Date.parse(r.time);
  return t >= start && t <= start + g.durationMs + 1;
}

/** Default number of decision records kept (docs/limits.md). */
export const DECISION_LOG_CAPACITY = 1000;

/**
 * A bounded ring buffer of decision records: the oldest goes when a new one arrives at capacity. Adding is one
 * array store (it runs on every request); looking a record up scans the ring (it runs when someone asks, for
 * `trustline explain`), newest first.
 */
export function createDecisionLog(capacity = DECISION_LOG_CAPACITY): DecisionLog {
  if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('capacity must be a positive integer');
  const ring: Array<DecisionRecord | undefined> = new Array<DecisionRecord | undefined>(capacity);
  let next = 0;
  let size = 0;
  const get = (id: string): DecisionRecord | undefined => {
    for (let i = 1; i <= size; i++) {
      const r = ring[(next - i + capacity) % capacity]!;
      if (r.requestId === id) return r;
    }
    return undefined;
  };
  return {
    add(record) {
      ring[next] = record;
      next = next + 1 === capacity ? 0 : next + 1;
      if (size < capacity) size++;
    },
    get,
    last(n) {
      const k = Math.max(0, Math.min(n, size));
      const out: DecisionRecord[] = [];
      for (let i = k; i >= 1; i--) out.push(ring[(next - i + capacity) % capacity]!);
      return out;
    },
    related(id) {
      const r = get(id);
      if (!r) return undefined;
      if (r.kind !== 'apim') return [r];
      return [r, ...this.last(size).filter((x) => during(r, x))];
    },
    requests(n) {
      const all = this.last(size);
      const gateways = all.filter((r) => r.kind === 'apim');
      const isHop = (r: DecisionRecord) => gateways.some((g) => during(g, r));
      const tops = all.filter((r) => !isHop(r));
      const top = n > 0 ? tops.slice(-n) : [];
      const chosen = new Set(top);
      const chosenGateways = top.filter((r) => r.kind === 'apim');
      return all.filter((r) => chosen.has(r) || chosenGateways.some((g) => during(g, r)));
    },
    get size() {
      return size;
    },
  };
}

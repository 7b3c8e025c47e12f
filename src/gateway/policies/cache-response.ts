import { HOP_BY_HOP } from '../../core/index.js';
import { bufferBody } from '../pipeline/body.js';
import { STATUS_REASONS } from '../pipeline/errors.js';
import { setHeader } from '../pipeline/headers.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { HeaderEntry } from '../expressions/host.js';
import type { PolicyDefinition, ValueSource } from './types.js';
import { boolOf, literalBool, optional, required, str } from './util.js';

/**
 * cache-lookup (inbound) / cache-store (outbound) (docs/behaviour/apim.md §2), over the gateway's internal cache
 * (`caching-type` internal | external | prefer-external all use it: the twin has no external cache).
 *
 * - Only GET requests are looked up and stored; a request with `Authorization` is neither, unless
 *   `allow-private-response-caching` is true.
 * - The key: API, operation, the URL path, the `vary-by-query-parameter` values (only those: without
 *   one the query does not vary the entry, as the policy reference puts it: "start caching responses
 *   per value of specified query parameters"), the `vary-by-header` values, and with
 *   `vary-by-developer` / `vary-by-developer-groups` the subscription's owner / their groups.
 * - A hit answers with the cached status, headers and body: the rest of inbound and the backend are
 *   skipped, and outbound goes on *after* the cache-store policy (APIM's trace: "processing will
 *   continue from the step in the response pipeline that is after the corresponding cache-store").
 * - cache-store keeps a 200 answer (any status with `cache-response="true"`) for `duration` seconds.
 * - `downstream-caching-type` private | public adds `Cache-Control: private|public, max-age=N` (+
 *   `must-revalidate` unless `must-revalidate="false"`); none (default) adds nothing.
 */

export interface CachedResponse {
  statusCode: number;
  statusReason: string;
  headers: Array<[string, HeaderEntry]>;
  body: string;
}

/** What cache-lookup hands to cache-store within one request. */
export interface CacheLookupState {
  key: string;
  hit: boolean;
  /** A hit: outbound skips its steps up to (and including) cache-store. */
  resumeAfterStore: boolean;
  downstream: 'none' | 'private' | 'public';
  mustRevalidate: boolean;
  /** Seconds left of the served entry (a hit), for max-age. */
  maxAge?: number;
}

const CACHING_TYPES = ['internal', 'external', 'prefer-external'];
const DOWNSTREAM = ['none', 'private', 'public'];

function cacheControl(rc: RequestRun, state: CacheLookupState, seconds: number): void {
  if (state.downstream === 'none') return;
  const v = `${state.downstream}, max-age=${Math.max(0, Math.floor(seconds))}${state.mustRevalidate ? ', must-revalidate' : ''}`;
  setHeader(rc.response.headers, 'Cache-Control', [v]);
}

function varyValues(rc: RequestRun, headers: readonly string[], query: readonly string[]): string[] {
  const parts: string[] = [];
  for (const h of headers) parts.push(`h:${h.toLowerCase()}=${(rc.request.headers.get(h.toLowerCase())?.values ?? []).join(',')}`);
  for (const q of query) parts.push(`q:${q}=${rc.request.originalUrl.query.filter(([k]) => k === q).map(([, v]) => v).join(',')}`);
  return parts;
}

export const cacheLookup: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['vary-by-developer', 'vary-by-developer-groups', 'caching-type', 'downstream-caching-type', 'must-revalidate', 'allow-private-response-caching'],
  compile(node, cc, base) {
    for (const a of ['vary-by-developer', 'vary-by-developer-groups']) {
      if (node.attrs[a] === undefined) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `<cache-lookup> requires the attribute '${a}'`);
    }
    const byDeveloper = literalBool(cc, node, 'vary-by-developer', false);
    const byGroups = literalBool(cc, node, 'vary-by-developer-groups', false);
    const cachingType = node.attrs['caching-type'] ?? 'prefer-external';
    if (!CACHING_TYPES.includes(cachingType)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `caching-type must be one of ${CACHING_TYPES.join(', ')}, not '${cachingType}'`);
    const downstream: ValueSource | undefined = optional(cc, node, 'downstream-caching-type');
    if (downstream && !downstream.isExpression && !DOWNSTREAM.includes(downstream.literal)) {
      throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `downstream-caching-type must be one of ${DOWNSTREAM.join(', ')}, not '${downstream.literal}'`);
    }
    const mustRevalidate = optional(cc, node, 'must-revalidate');
    const allowPrivate = optional(cc, node, 'allow-private-response-caching');
    const headers: string[] = [];
    const query: string[] = [];
    for (const c of node.children) {
      if (c.name === 'vary-by-header') headers.push(c.text.trim());
      else if (c.name === 'vary-by-query-parameter') query.push(...c.text.split(';').map((s) => s.trim()).filter(Boolean));
      else cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <cache-lookup>`);
    }
    return {
      ...base,
      run(rc) {
        if (rc.request.method !== 'GET') { rc.note('not a GET: no lookup'); return; }
        if (rc.request.headers.has('authorization') && !boolOf(allowPrivate, rc, false)) { rc.note('Authorization header present: no lookup'); return; }
        const d = downstream ? str(downstream.get(rc)).trim() : 'none';
        const parts = [rc.api.id, rc.operation.id, rc.request.originalUrl.path, ...varyValues(rc, headers, query)];
        if (byDeveloper) parts.push(`dev:${rc.user?.id ?? rc.subscription?.id ?? ''}`);
        if (byGroups) parts.push(`groups:${(rc.user?.groups ?? []).map((g) => g.id).sort().join(',')}`);
        const key = `response|${parts.join('|')}`;
        const state: CacheLookupState = {
          key, hit: false, resumeAfterStore: false,
          downstream: (DOWNSTREAM.includes(d) ? d : 'none') as CacheLookupState['downstream'], mustRevalidate: boolOf(mustRevalidate, rc, true),
        };
        rc.cacheLookup = state;
        const e = rc.services.stores.cache.get(key);
        const now = rc.clock.now();
        if (!e || e.expiresAtMs <= now) {
          if (e) rc.services.stores.cache.delete(key);
          rc.note('miss');
          return;
        }
        const cached = e.value as CachedResponse;
        rc.response.statusCode = cached.statusCode;
        rc.response.statusReason = cached.statusReason;
        rc.response.headers.clear();
        for (const [k, h] of cached.headers) rc.response.headers.set(k, { name: h.name, values: [...h.values] });
        rc.responseBody = { kind: 'text', text: cached.body };
        state.hit = true;
        state.resumeAfterStore = true;
        state.maxAge = (e.expiresAtMs - now) / 1000;
        cacheControl(rc, state, state.maxAge);
        rc.terminated = true;
        rc.note('hit: the cached response is served');
      },
    };
  },
};

export const cacheStore: PolicyDefinition = {
  sections: ['outbound'],
  attributes: ['duration', 'cache-response'],
  compile(node, cc, base) {
    const duration = required(cc, node, 'duration');
    const cacheResponse = optional(cc, node, 'cache-response');
    if (node.children.length) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', node.children[0]!, '<cache-store> has no child elements');
    return {
      ...base,
      async run(rc) {
        const state = rc.cacheLookup;
        if (!state || state.hit) { rc.note(state ? 'served from cache' : 'no cache-lookup ran: nothing stored'); return; }
        const status = rc.response.statusCode;
        if (cacheResponse ? !boolOf(cacheResponse, rc, false) : status !== 200) { rc.note(`status ${status}: not stored`); return; }
        const seconds = Number(str(duration.get(rc)));
        if (!Number.isFinite(seconds) || seconds <= 0) { rc.note(`duration ${seconds}: not stored`); return; }
        rc.responseBody = await bufferBody(rc.responseBody, 'response');
        const body = rc.responseBody.kind === 'text' ? rc.responseBody.text : '';
        const headers = [...rc.response.headers].filter(([k]) => !HOP_BY_HOP.has(k) && k !== 'content-length')
          .map(([k, h]) => [k, { name: h.name, values: [...h.values] }] as [string, HeaderEntry]);
        const entry: CachedResponse = { statusCode: status, statusReason: rc.response.statusReason || (STATUS_REASONS[status] ?? ''), headers, body };
        rc.services.stores.cache.set(state.key, { value: entry, expiresAtMs: rc.clock.now() + seconds * 1000 });
        cacheControl(rc, state, seconds);
        rc.note(`stored for ${seconds} s`);
      },
    };
  },
};

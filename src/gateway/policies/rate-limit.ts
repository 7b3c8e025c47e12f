import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { CompileContext, PolicyDefinition, ValueSource } from './types.js';
import type { PolicyNode } from '../policy/xml.js';
import { boolOf, optional, required, str } from './util.js';
import { limitTarget, limitTargetOf } from './limit-target.js';

/** Longest renewal period APIM accepts for rate limits (docs/behaviour/apim.md §2). */
const MAX_RENEWAL_SECONDS = 300;

function positiveInt(cc: CompileContext, node: PolicyNode, attr: string, v: ValueSource, max?: number): void {
  if (v.isExpression) return;
  const n = Number(v.literal);
  if (!Number.isInteger(n) || n <= 0 || (max !== undefined && n > max)) {
    throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `${attr} must be a whole number from 1${max !== undefined ? ` to ${max}` : ''}, not '${v.literal}'`);
  }
}

interface Headers { retryAfterHeader: string | undefined; retryAfterVar: string | undefined; remainingHeader: string | undefined; remainingVar: string | undefined; totalHeader: string | undefined }

function headerOptions(node: PolicyNode): Headers {
  return {
    retryAfterHeader: node.attrs['retry-after-header-name'], retryAfterVar: node.attrs['retry-after-variable-name'],
    remainingHeader: node.attrs['remaining-calls-header-name'], remainingVar: node.attrs['remaining-calls-variable-name'],
    totalHeader: node.attrs['total-calls-header-name'],
  };
}

const HEADER_ATTRS = ['retry-after-header-name', 'retry-after-variable-name', 'remaining-calls-header-name', 'remaining-calls-variable-name', 'total-calls-header-name'];

/**
 * One sliding window: at most `calls` accepted calls in any `period` ms. Returns the remaining calls,
 * or the seconds until the oldest call leaves the window when the limit is reached.
 */
function slide(rc: RequestRun, key: string, calls: number, periodMs: number, count: number): { ok: true; remaining: number } | { ok: false; retryAfter: number } {
  const now = rc.clock.now();
  const times = (rc.services.stores.rate.get(key) ?? []).filter((t) => t > now - periodMs);
  if (times.length + count > calls) {
    rc.services.stores.rate.set(key, times);
    const oldest = times[Math.max(0, times.length + count - calls - 1)] ?? now;
    return { ok: false, retryAfter: Math.max(1, Math.ceil((oldest + periodMs - now) / 1000)) };
  }
  for (let i = 0; i < count; i++) times.push(now);
  rc.services.stores.rate.set(key, times);
  return { ok: true, remaining: calls - times.length };
}

/** Seconds until the oldest call of a full window leaves it. */
function retryAfterOf(rc: RequestRun, key: string, periodMs: number): number {
  const oldest = (rc.services.stores.rate.get(key) ?? [])[0] ?? rc.clock.now();
  return Math.max(1, Math.ceil((oldest + periodMs - rc.clock.now()) / 1000));
}

function exceeded(rc: RequestRun, h: Headers, retryAfter: number, total: number): PolicyError {
  if (h.retryAfterVar) rc.variables.set(h.retryAfterVar, retryAfter);
  if (h.remainingVar) rc.variables.set(h.remainingVar, 0);
  const headers: Record<string, string> = { [h.retryAfterHeader ?? 'Retry-After']: String(retryAfter) };
  if (h.remainingHeader) headers[h.remainingHeader] = '0';
  if (h.totalHeader) headers[h.totalHeader] = String(total);
  return new PolicyError({
    source: rc.currentStep?.policy ?? 'rate-limit', reason: 'RateLimitExceeded', message: 'Rate limit is exceeded',
    statusCode: 429, responseMessage: `Rate limit is exceeded. Try again in ${retryAfter} seconds.`, headers,
  });
}

function passed(rc: RequestRun, h: Headers, remaining: number, total: number): void {
  if (h.remainingVar) rc.variables.set(h.remainingVar, remaining);
  // Headers for the client go on the response when it is written (outbound has not run yet).
  if (h.remainingHeader) rc.pendingResponseHeaders.push([h.remainingHeader, String(remaining)]);
  if (h.totalHeader) rc.pendingResponseHeaders.push([h.totalHeader, String(total)]);
  rc.note(`${remaining} of ${total} calls left`);
}

/**
 * rate-limit (docs/behaviour/apim.md §2): `calls` per `renewal-period` seconds (sliding window), per subscription, and
 * only for calls made with a subscription key; `api`/`operation` children are counted on their own.
 */
export const rateLimit: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['calls', 'renewal-period', ...HEADER_ATTRS],
  compile(node, cc, base) {
    const calls = required(cc, node, 'calls', false);
    const period = required(cc, node, 'renewal-period', false);
    positiveInt(cc, node, 'calls', calls);
    positiveInt(cc, node, 'renewal-period', period, MAX_RENEWAL_SECONDS);
    const limits = node.children.map((c) => {
      if (c.name !== 'api' && c.name !== 'operation') throw cc.error('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <rate-limit>`);
      const n = Number(c.attrs.calls), p = Number(c.attrs['renewal-period']);
      if (!Number.isInteger(n) || n <= 0 || !Number.isInteger(p) || p <= 0 || p > MAX_RENEWAL_SECONDS) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, `<${c.name}> needs calls and renewal-period (1–${MAX_RENEWAL_SECONDS})`);
      return { target: limitTargetOf(c), calls: n, periodMs: p * 1000 };
    });
    const h = headerOptions(node);
    const total = Number(calls.literal);
    const periodMs = Number(period.literal) * 1000;
    return {
      ...base,
      run(rc) {
        const sub = rc.subscription;
        if (!sub) { rc.note('no subscription key: not counted'); return; }
        for (const l of limits) {
          const target = limitTarget(rc, l.target);
          if (target === undefined) continue;
          const r = slide(rc, `rate|${sub.id}|${l.target.kind}|${target}`, l.calls, l.periodMs, 1);
          if (!r.ok) throw exceeded(rc, h, r.retryAfter, l.calls);
        }
        const r = slide(rc, `rate|${sub.id}|${base.scope}|${base.path}`, total, periodMs, 1);
        if (!r.ok) throw exceeded(rc, h, r.retryAfter, total);
        passed(rc, h, r.remaining, total);
      },
    };
  },
};

/**
 * rate-limit-by-key: one sliding window per `counter-key` value. Without `increment-condition` a call counts
 * `increment-count` (default 1) as it passes; with one, a call is refused only when the window is already full, and it
 * is counted once the response has gone out, if the condition (which may read `context.Response`, as the policy
 * page's `context.Response.StatusCode == 200` example does) is true then.
 */
export const rateLimitByKey: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['calls', 'renewal-period', 'counter-key', 'increment-condition', 'increment-count', ...HEADER_ATTRS],
  compile(node, cc, base) {
    const calls = required(cc, node, 'calls');
    const period = required(cc, node, 'renewal-period');
    positiveInt(cc, node, 'calls', calls);
    positiveInt(cc, node, 'renewal-period', period, MAX_RENEWAL_SECONDS);
    const key = required(cc, node, 'counter-key');
    const condition = optional(cc, node, 'increment-condition');
    const countAttr = optional(cc, node, 'increment-count');
    if (countAttr && !countAttr.isExpression) positiveInt(cc, node, 'increment-count', countAttr);
    const h = headerOptions(node);
    return {
      ...base,
      run(rc) {
        const total = Number(str(calls.get(rc)));
        const periodMs = Number(str(period.get(rc))) * 1000;
        const k = str(key.get(rc));
        const count = countAttr ? Number(str(countAttr.get(rc))) : 1;
        const storeKey = `ratekey|${k}`;
        if (!condition) {
          const r = slide(rc, storeKey, total, periodMs, count);
          if (!r.ok) throw exceeded(rc, h, r.retryAfter, total);
          passed(rc, h, r.remaining, total);
          return;
        }
        const r = slide(rc, storeKey, total, periodMs, 0);
        if (!r.ok || r.remaining <= 0) throw exceeded(rc, h, retryAfterOf(rc, storeKey, periodMs), total);
        passed(rc, h, Math.max(0, r.remaining - count), total);
        rc.completions.push(() => {
          if (!boolOf(condition, rc, true)) return;
          const times = rc.services.stores.rate.get(storeKey) ?? [];
          const at = rc.clock.now();
          for (let i = 0; i < count; i++) times.push(at);
          rc.services.stores.rate.set(storeKey, times);
        });
      },
    };
  },
};

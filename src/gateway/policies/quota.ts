import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyDefinition } from './types.js';
import { boolOf, optional, required, str } from './util.js';

/** "Quota will be replenished in …": `hh:mm:ss` within a day, else days with two decimals (docs/behaviour/apim.md §1.4 [obs] "2.12 days"). */
export function replenishedIn(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s >= 86_400) return `${(s / 86_400).toFixed(2)} days`;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

/** One fixed window per key from its first call; renewal 0 means it never renews. */
function count(rc: RequestRun, key: string, calls: number | undefined, periodMs: number, n: number): { ok: true; left: number | undefined } | { ok: false; retryMs: number } {
  const now = rc.clock.now();
  let w = rc.services.stores.quota.get(key);
  if (!w || (periodMs > 0 && now >= w.start + periodMs)) w = { start: periodMs > 0 && w ? w.start + Math.floor((now - w.start) / periodMs) * periodMs : now, calls: 0, kb: 0 };
  if (calls !== undefined && w.calls + n > calls) {
    rc.services.stores.quota.set(key, w);
    return { ok: false, retryMs: periodMs > 0 ? w.start + periodMs - now : Number.POSITIVE_INFINITY };
  }
  w.calls += n;
  rc.services.stores.quota.set(key, w);
  return { ok: true, left: calls === undefined ? undefined : calls - w.calls };
}

function outOfQuota(rc: RequestRun, retryMs: number): PolicyError {
  const finite = Number.isFinite(retryMs);
  const seconds = finite ? Math.max(1, Math.ceil(retryMs / 1000)) : 0;
  return new PolicyError({
    source: rc.currentStep?.policy ?? 'quota', reason: 'QuotaExceeded', message: 'Out of call volume quota',
    statusCode: 403,
    responseMessage: finite ? `Out of call volume quota. Quota will be replenished in ${replenishedIn(retryMs)}.` : 'Out of call volume quota.',
    ...(finite ? { headers: { 'Retry-After': String(seconds) } } : {}),
  });
}

function literalNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : NaN;
}

/**
 * quota (docs/behaviour/apim.md §2): calls (and/or bandwidth, counted as calls only: the twin does not meter KB) per
 * renewal period, fixed window, per subscription; only with a subscription key. Over: 403 + Retry-After.
 */
export const quota: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['calls', 'bandwidth', 'renewal-period'],
  compile(node, cc, base) {
    const calls = literalNumber(node.attrs.calls);
    const bandwidth = literalNumber(node.attrs.bandwidth);
    const period = literalNumber(node.attrs['renewal-period']);
    if (calls === undefined && bandwidth === undefined) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, '<quota> needs calls or bandwidth');
    if (Number.isNaN(calls) || Number.isNaN(bandwidth) || period === undefined || Number.isNaN(period)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, '<quota> calls, bandwidth and renewal-period must be whole numbers');
    if (bandwidth !== undefined && calls === undefined) cc.problem('ERR_APIM_POLICY_UNSUPPORTED', node, '<quota> with bandwidth only is not supported (the twin counts calls)');
    for (const c of node.children) if (c.name !== 'api' && c.name !== 'operation') throw cc.error('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <quota>`);
    const children = node.children.map((c) => ({ kind: c.name, name: c.attrs.name ?? c.attrs.id ?? '', calls: literalNumber(c.attrs.calls), periodMs: (literalNumber(c.attrs['renewal-period']) ?? 0) * 1000 }));
    const periodMs = period * 1000;
    return {
      ...base,
      run(rc) {
        const sub = rc.subscription;
        if (!sub) { rc.note('no subscription key: not counted'); return; }
        for (const l of children) {
          const target = l.kind === 'api' ? rc.api.name : rc.operation.name;
          if (l.name && l.name.toLowerCase() !== target.toLowerCase()) continue;
          const r = count(rc, `quota|${sub.id}|${l.kind}|${target}`, l.calls, l.periodMs, 1);
          if (!r.ok) throw outOfQuota(rc, r.retryMs);
        }
        const r = count(rc, `quota|${sub.id}|${base.scope}|${base.path}`, calls, periodMs, 1);
        if (!r.ok) throw outOfQuota(rc, r.retryMs);
        rc.note(r.left === undefined ? 'counted' : `${r.left} calls left`);
      },
    };
  },
};

/** quota-by-key: one fixed window per `counter-key` value; `increment-condition`, `increment-count`, `first-period-start`. */
export const quotaByKey: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['calls', 'bandwidth', 'renewal-period', 'counter-key', 'increment-condition', 'increment-count', 'first-period-start'],
  compile(node, cc, base) {
    const calls = literalNumber(node.attrs.calls);
    const period = literalNumber(node.attrs['renewal-period']);
    if (calls === undefined || Number.isNaN(calls) || period === undefined || Number.isNaN(period)) {
      throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, '<quota-by-key> needs whole numbers in calls and renewal-period');
    }
    if (node.attrs.bandwidth !== undefined) cc.problem('ERR_APIM_POLICY_UNSUPPORTED', node, '<quota-by-key> bandwidth is not metered by the twin');
    const key = required(cc, node, 'counter-key');
    const condition = optional(cc, node, 'increment-condition');
    const incr = optional(cc, node, 'increment-count');
    return {
      ...base,
      run(rc) {
        const k = str(key.get(rc));
        const n = boolOf(condition, rc, true) ? (incr ? Number(str(incr.get(rc))) : 1) : 0;
        const r = count(rc, `quotakey|${k}`, calls, period * 1000, n);
        if (!r.ok) throw outOfQuota(rc, r.retryMs);
        rc.note(`${r.left ?? '?'} calls left for '${k}'`);
      },
    };
  },
};

import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyDefinition } from './types.js';
import { boolOf, optional, required, str } from './util.js';
import { limitTarget, limitTargetOf } from './limit-target.js';

/** "Quota will be replenished in …": `hh:mm:ss` within a day, else days with two decimals (docs/behaviour/apim.md §1.4 [obs] "2.12 days"). */
export function replenishedIn(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s >= 86_400) return `${(s / 86_400).toFixed(2)} days`;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

/** The fixed window of `key` now (a new one once the period has passed; renewal 0 means it never renews). */
function windowOf(rc: RequestRun, key: string, periodMs: number): { start: number; calls: number; kb: number } {
  const now = rc.clock.now();
  const w = rc.services.stores.quota.get(key);
  if (w && !(periodMs > 0 && now >= w.start + periodMs)) return w;
  return { start: periodMs > 0 && w ? w.start + Math.floor((now - w.start) / periodMs) * periodMs : now, calls: 0, kb: 0 };
}

interface QuotaLimit { key: string; calls: number | undefined; kb: number | undefined; periodMs: number }

/**
 * Checks one limit and counts `n` calls now (`n` = 0 when the count waits for the response). Bandwidth is checked here
 * and metered once the response has gone out (`meter`). Returns the calls left, or the ms until the window renews.
 */
function count(rc: RequestRun, l: QuotaLimit, n: number): { ok: true; left: number | undefined } | { ok: false; retryMs: number; bandwidth: boolean } {
  const w = windowOf(rc, l.key, l.periodMs);
  const over = (l.calls !== undefined && w.calls + Math.max(n, 1) > l.calls) ? 'calls' : (l.kb !== undefined && w.kb >= l.kb) ? 'kb' : undefined;
  rc.services.stores.quota.set(l.key, w);
  if (over) return { ok: false, retryMs: l.periodMs > 0 ? w.start + l.periodMs - rc.clock.now() : Number.POSITIVE_INFINITY, bandwidth: over === 'kb' };
  w.calls += n;
  if (l.kb !== undefined) {
    rc.meterBytes = true;
    rc.completions.push((sent) => {
      const cur = windowOf(rc, l.key, l.periodMs);
      cur.kb += (sent.requestBytes + sent.responseBytes) / 1024;
      rc.services.stores.quota.set(l.key, cur);
    });
  }
  return { ok: true, left: l.calls === undefined ? undefined : l.calls - w.calls };
}

/** Counts `n` calls after the response went out (increment-condition true then). */
function countLater(rc: RequestRun, l: QuotaLimit, n: () => number): void {
  rc.completions.push(() => {
    const k = n();
    if (k <= 0) return;
    const w = windowOf(rc, l.key, l.periodMs);
    w.calls += k;
    rc.services.stores.quota.set(l.key, w);
  });
}

function outOfQuota(rc: RequestRun, r: { retryMs: number; bandwidth: boolean }): PolicyError {
  const retryMs = r.retryMs;
  const finite = Number.isFinite(retryMs);
  const seconds = finite ? Math.max(1, Math.ceil(retryMs / 1000)) : 0;
  const what = r.bandwidth ? 'bandwidth' : 'call volume';
  return new PolicyError({
    source: rc.currentStep?.policy ?? 'quota', reason: 'QuotaExceeded', message: `Out of ${what} quota`,
    statusCode: 403,
    responseMessage: finite ? `Out of ${what} quota. Quota will be replenished in ${replenishedIn(retryMs)}.` : `Out of ${what} quota.`,
    ...(finite ? { headers: { 'Retry-After': String(seconds) } } : {}),
  });
}

function literalNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : NaN;
}

/**
 * quota (docs/behaviour/apim.md §2): calls and/or bandwidth (KB of request and response bodies, metered after the
 * response) per renewal period, fixed window, per subscription; only with a subscription key. Over: 403 + Retry-After.
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
    for (const c of node.children) if (c.name !== 'api' && c.name !== 'operation') throw cc.error('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <quota>`);
    const children = node.children.map((c) => ({
      target: limitTargetOf(c), calls: literalNumber(c.attrs.calls), kb: literalNumber(c.attrs.bandwidth),
      periodMs: (literalNumber(c.attrs['renewal-period']) ?? 0) * 1000,
    }));
    const periodMs = period * 1000;
    return {
      ...base,
      run(rc) {
        const sub = rc.subscription;
        if (!sub) { rc.note('no subscription key: not counted'); return; }
        for (const l of children) {
          const target = limitTarget(rc, l.target);
          if (target === undefined) continue;
          const r = count(rc, { key: `quota|${sub.id}|${l.target.kind}|${target}`, calls: l.calls, kb: l.kb, periodMs: l.periodMs }, 1);
          if (!r.ok) throw outOfQuota(rc, r);
        }
        const r = count(rc, { key: `quota|${sub.id}|${base.scope}|${base.path}`, calls, kb: bandwidth, periodMs }, 1);
        if (!r.ok) throw outOfQuota(rc, r);
        rc.note(r.left === undefined ? 'counted' : `${r.left} calls left`);
      },
    };
  },
};

/**
 * quota-by-key: one fixed window per `counter-key` value; `increment-count`; `bandwidth` metered as quota's;
 * with `increment-condition` the call is counted after the response, if the condition holds then (as rate-limit-by-key).
 */
export const quotaByKey: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['calls', 'bandwidth', 'renewal-period', 'counter-key', 'increment-condition', 'increment-count', 'first-period-start'],
  compile(node, cc, base) {
    const calls = literalNumber(node.attrs.calls);
    const bandwidth = literalNumber(node.attrs.bandwidth);
    const period = literalNumber(node.attrs['renewal-period']);
    if ((calls === undefined && bandwidth === undefined) || Number.isNaN(calls) || Number.isNaN(bandwidth) || period === undefined || Number.isNaN(period)) {
      throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, '<quota-by-key> needs whole numbers in calls and/or bandwidth, and renewal-period');
    }
    const key = required(cc, node, 'counter-key');
    const condition = optional(cc, node, 'increment-condition');
    const incr = optional(cc, node, 'increment-count');
    return {
      ...base,
      run(rc) {
        const k = str(key.get(rc));
        const n = incr ? Number(str(incr.get(rc))) : 1;
        const limit: QuotaLimit = { key: `quotakey|${k}`, calls, kb: bandwidth, periodMs: period * 1000 };
        const r = count(rc, limit, condition ? 0 : n);
        if (!r.ok) throw outOfQuota(rc, r);
        if (condition) countLater(rc, limit, () => (boolOf(condition, rc, true) ? n : 0));
        rc.note(`${r.left ?? '?'} calls left for '${k}'`);
      },
    };
  },
};

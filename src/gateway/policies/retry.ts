import type { CompiledExpression } from '../expressions/compile.js';
import { requireBool } from '../expressions/values.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyDefinition } from './types.js';
import { literalBool } from './util.js';
import { runSteps } from './run-steps.js';

/** Wait before retry n (1-based), docs/behaviour/apim.md §2: fixed, linear (`interval + (n-1)*delta`) or exponential, capped by max-interval. */
export function retryDelaySeconds(n: number, o: { interval: number; delta?: number; maxInterval?: number; random?: () => number }): number {
  let s = o.interval;
  if (o.delta !== undefined) {
    s = o.maxInterval !== undefined
      ? o.interval + (2 ** n - 1) * (0.8 + 0.4 * (o.random ?? Math.random)()) * o.delta
      : o.interval + (n - 1) * o.delta;
  }
  return o.maxInterval !== undefined ? Math.min(s, o.maxInterval) : s;
}

function sleep(rc: RequestRun, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  if (rc.services.sleep) return rc.services.sleep(ms);
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * retry (docs/behaviour/apim.md §2): runs its policies once, then again while `condition` is true, at most `count`
 * more times, waiting between tries (the first at once with first-fast-retry). The request body is
 * buffered first so every try can send it.
 */
export const retry: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['condition', 'count', 'interval', 'max-interval', 'delta', 'first-fast-retry'],
  compile(node, cc, base) {
    const raw = node.attrs.condition;
    if (raw === undefined) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, "<retry> requires the attribute 'condition'");
    const t = raw.trim().toLowerCase();
    const condition: CompiledExpression | boolean = t === 'true' ? true : t === 'false' ? false : cc.expression(node, raw, "attribute 'condition'");
    const num = (a: string, min: number, max: number, required: boolean): number | undefined => {
      const v = node.attrs[a];
      if (v === undefined) { if (required) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `<retry> requires the attribute '${a}'`); return undefined; }
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || n > max) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `${a} must be a number from ${min} to ${max}, not '${v}'`);
      return n;
    };
    const count = num('count', 1, 50, true)!;
    const interval = num('interval', 0, 300, true)!;
    const maxInterval = num('max-interval', 0, 300, false);
    const delta = num('delta', 0, 300, false);
    const firstFast = literalBool(cc, node, 'first-fast-retry', false);
    const steps = cc.children(node.children, base.path);
    return {
      ...base,
      async run(rc) {
        if (rc.section !== 'outbound') await rc.bufferBodies(true, false);
        const again = () => (typeof condition === 'boolean' ? condition : requireBool(condition.evaluate(rc), 'condition'));
        const bodyAtStart = rc.requestBody;
        await runSteps(steps, rc);
        let n = 0;
        while (n < count && again()) {
          n++;
          const wait = firstFast && n === 1 ? 0 : retryDelaySeconds(n, { interval, ...(delta !== undefined ? { delta } : {}), ...(maxInterval !== undefined ? { maxInterval } : {}) });
          await sleep(rc, wait * 1000);
          rc.requestBody = bodyAtStart;
          await runSteps(steps, rc);
        }
        rc.note(n === 0 ? 'ran once' : `ran ${n + 1} times`);
      },
    };
  },
};

/**
 * An expression that throws (behaviour 13): LastError.Message and the trace say it as APIM does — "Expression
 * evaluation failed. " and .NET's own exception message, nothing after it; the trace entry of the policy holds
 * {message, expression, details} and that text. The twin's pointer to the cause stays in the decision record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDecision } from '../../src/gateway/index.js';
import { run } from './policies/run.js';
import { close, seedConfig, startBackend, startGateway } from './helpers.js';

const EXPR = 'context.Request.Headers.GetValueOrDefault("x-missing", null).ToUpper()';
const NPE = 'Object reference not set to an instance of an object.';
const POLICY = `<policies><inbound><set-header name="x" exists-action="override"><value>@(${EXPR})</value></set-header></inbound>`
  + '<backend><forward-request /></backend><outbound />'
  + '<on-error><return-response><set-status code="500" reason="Error" /><set-body>@(context.LastError.Reason + "|" + context.LastError.Message)</set-body></return-response></on-error></policies>';

interface TraceShape { traceEntries: Record<string, Array<{ source: string; data: { messages?: unknown[]; message?: string; twinHint?: string } }>> }

describe('ExpressionValueEvaluationFailure as APIM reports it', () => {
  it('LastError.Message is "Expression evaluation failed. " + the .NET message, word for word', async () => {
    const r = await run(POLICY, { url: 'https://apim.azure-api.net/p' });
    expect(r.status).toBe(500);
    expect(r.body).toBe(`ExpressionValueEvaluationFailure|Expression evaluation failed. ${NPE}`);
  });

  it('the trace entry of the failing policy: {message, expression, details} and the text', async () => {
    const r = await run(POLICY, { url: 'https://apim.azure-api.net/p' });
    const entry = (r.trace as TraceShape).traceEntries.inbound!.find((e) => e.source === 'set-header')!;
    expect(entry.data.messages).toEqual([
      { message: 'Expression evaluation failed.', expression: EXPR, details: NPE },
      `Expression evaluation failed. ${NPE}`,
    ]);
    expect(entry.data.message).toBeUndefined();
    // Beside APIM's messages, the twin's own pointer, in a field of its own.
    expect(entry.data.twinHint).toBe('ToUpper on a null value');
  });

  it('a multi-statement expression is named by its body; another .NET message (LINQ on incomparable elements) ends as .NET ends it', async () => {
    const body = 'var a = new object[] { new JObject(), new JObject() }; return a.OrderBy(x => x).First().ToString();';
    const policy = POLICY.replace(`@(${EXPR})`, `@{ ${body} }`);
    const r = await run(policy, { url: 'https://apim.azure-api.net/p' });
    expect(r.body).toBe('ExpressionValueEvaluationFailure|Expression evaluation failed. Failed to compare two elements in the array.');
    const entry = (r.trace as TraceShape).traceEntries.inbound!.find((e) => e.source === 'set-header')!;
    expect((entry.data.messages![0] as { expression: string }).expression).toBe(body);
  });

  describe('the decision record keeps the twin\'s pointer', () => {
    let backend: Awaited<ReturnType<typeof startBackend>>;
    let gw: Awaited<ReturnType<typeof startGateway>>;
    const decisions: GatewayDecision[] = [];
    beforeAll(async () => {
      backend = await startBackend();
      const cfg = seedConfig({}, POLICY);
      gw = await startGateway(cfg, backend.origin, undefined, undefined, {}, { onDecision: (d) => decisions.push(d) });
    });
    afterAll(async () => {
      await gw.stop();
      await close(backend.server);
    });

    it('LastError without the pointer; the step detail names what was null', async () => {
      const res = await fetch(`${gw.origin}/functions/hello`);
      expect(await res.text()).toBe(`ExpressionValueEvaluationFailure|Expression evaluation failed. ${NPE}`);
      const d = decisions.at(-1)!;
      expect(d.error!.message).toBe(`Expression evaluation failed. ${NPE}`);
      const step = d.steps.find((s) => s.policy === 'set-header')!;
      expect(step.detail).toBe(`ExpressionValueEvaluationFailure: Expression evaluation failed. ${NPE} (twin: ToUpper on a null value)`);
    });
  });
});

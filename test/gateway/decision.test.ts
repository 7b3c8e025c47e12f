import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDecision } from '../../src/gateway/index.js';
import { close, seedConfig, SEED_API_POLICY, startBackend, startGateway } from './helpers.js';

describe('decision records (one per request) and the APIM request trace', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  beforeAll(async () => { backend = await startBackend(); });
  afterAll(async () => { await close(backend.server); });

  it('records the route, each step, the token with its decoded claims and the backend call', async () => {
    const records: GatewayDecision[] = [];
    const g = await startGateway(seedConfig(), backend.origin, undefined, undefined, {}, { onDecision: (d) => records.push(d) });
    try {
      const res = await fetch(`${g.origin}/functions/hello`);
      expect(res.status).toBe(200);
      const d = records.at(-1)!;
      expect(d.kind).toBe('apim');
      expect(d.status).toBe(200);
      expect(d.explanation).toBeUndefined();
      expect(d.route).toEqual({ api: 'functions', operation: 'hello', urlTemplate: '/hello', parameters: {} });
      expect(d.steps.map((s) => `${s.section}:${s.policy}:${s.outcome}`)).toEqual([
        'inbound:authentication-managed-identity:ok', 'inbound:set-header:ok', 'backend:forward-request:ok',
      ]);
      expect(d.tokens).toEqual([{ resource: 'api://11111111-2222-3333-4444-555555555555', identity: 'system-assigned', cache: 'miss' }]);
      expect(d.backend).toEqual([expect.objectContaining({ method: 'GET', url: 'http://trustline-func.azurewebsites.net/api/hello', status: 200 })]);
      expect(JSON.stringify(d)).not.toContain('tok-1');
    } finally {
      await g.stop();
    }
  });

  it('a non-2xx is explained in the record and the log: missing key, policy error, backend answer', async () => {
    const records: GatewayDecision[] = [];
    const cfg = seedConfig({ subscriptions: [{ name: 's1', scope: '/apis', primaryKey: 'k1', secondaryKey: 'k2', state: 'active', allowTracing: true }] }, SEED_API_POLICY);
    cfg.apis[0]!.subscriptionRequired = true;
    cfg.apis[0]!.operations.push({ id: 'op-x', name: 'x', method: 'GET', urlTemplate: '/x', policy: { value: '<policies><inbound><base/><set-variable name="n" value="@(int.Parse(&quot;x&quot;))" id="parse"/></inbound></policies>' } });
    const g = await startGateway(cfg, backend.origin, undefined, undefined, {}, { onDecision: (d) => records.push(d) });
    try {
      expect((await fetch(`${g.origin}/functions/hello`)).status).toBe(401);
      expect(records.at(-1)!.explanation).toBe('authorization: SubscriptionKeyNotFound: Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.');
      expect(g.logger.lines.some((l) => l.includes('401 GET http://127.0.0.1') && l.includes('SubscriptionKeyNotFound'))).toBe(true);
      const bad = await fetch(`${g.origin}/functions/x`, { headers: { 'ocp-apim-subscription-key': 'k1' } });
      expect(bad.status).toBe(500);
      const d = records.at(-1)!;
      expect(d.error).toMatchObject({ source: 'set-variable', reason: 'ExpressionValueEvaluationFailure', section: 'inbound', scope: 'operation', policyId: 'parse' });
      expect(d.explanation).toMatch(/^set-variable at inbound set-variable\[1\] \(operation scope, id 'parse'\): ExpressionValueEvaluationFailure: /);
      expect(d.subscription).toEqual({ name: 's1', scope: '/apis', product: null });
    } finally {
      await g.stop();
    }
  });

  it('every non-2xx is logged with its reason: a 3xx a policy answers, a 404 route, an unknown trace id', async () => {
    const records: GatewayDecision[] = [];
    const cfg = seedConfig({}, '<policies><inbound><return-response><set-status code="302" reason="Found"/><set-header name="Location" exists-action="override"><value>https://elsewhere.example/</value></set-header></return-response></inbound></policies>');
    const g = await startGateway(cfg, backend.origin, undefined, undefined, {}, { onDecision: (d) => records.push(d) });
    try {
      expect((await fetch(`${g.origin}/functions/hello`, { redirect: 'manual' })).status).toBe(302);
      expect(records.at(-1)!.explanation).toMatch(/^return-response \(inbound .*\) answered 302$/);
      expect(g.logger.lines.some((l) => l.includes('302 GET http://127.0.0.1') && l.includes('answered 302'))).toBe(true);
      expect((await fetch(`${g.origin}/nowhere`)).status).toBe(404);
      expect(g.logger.lines.some((l) => l.includes('404 GET http://127.0.0.1') && l.includes('OperationNotFound'))).toBe(true);
      expect((await fetch(`${g.origin}/.trustline/apim-trace/unknown`)).status).toBe(404);
      expect(g.logger.lines.some((l) => l.includes('404 GET /.trustline/apim-trace/unknown: no request trace'))).toBe(true);
      expect((await fetch(`${g.origin}/functions/hello`, { redirect: 'manual' })).status).toBe(302);
    } finally {
      await g.stop();
    }
  });

  it('compat flag legacyTraceHeader: honour — Ocp-Apim-Trace: true with a key that allows tracing returns Ocp-Apim-Trace-Location, where the trace is served', async () => {
    const cfg = seedConfig({ subscriptions: [{ name: 's1', scope: '/apis', primaryKey: 'k1', secondaryKey: 'k2', state: 'active', allowTracing: true }] });
    const ignored = await startGateway(cfg, backend.origin);
    try {
      const res = await fetch(`${ignored.origin}/functions/hello`, { headers: { 'ocp-apim-trace': 'true', 'ocp-apim-subscription-key': 'k1' } });
      expect(res.headers.get('ocp-apim-trace-location')).toBeNull();
    } finally {
      await ignored.stop();
    }
    const g = await startGateway(cfg, backend.origin, undefined, undefined, { legacyTraceHeader: 'honour' });
    try {
      const res = await fetch(`${g.origin}/functions/hello`, { headers: { 'ocp-apim-trace': 'true', 'ocp-apim-subscription-key': 'k1' } });
      expect(res.status).toBe(200);
      const loc = res.headers.get('ocp-apim-trace-location')!;
      expect(loc).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\.trustline\/apim-trace\/[0-9a-f]{32}$/);
      const trace = await (await fetch(loc)).json() as { traceEntries: Record<string, Array<{ source: string }>>; status: number };
      expect(trace.status).toBe(200);
      expect(trace.traceEntries.inbound!.map((e) => e.source)).toEqual(['authentication-managed-identity', 'set-header']);
      expect(trace.traceEntries.backend!.map((e) => e.source)).toEqual(['forward-request']);
      const plain = await fetch(`${g.origin}/functions/hello`, { headers: { 'ocp-apim-subscription-key': 'k1' } });
      expect(plain.headers.get('ocp-apim-trace-location')).toBeNull();
    } finally {
      await g.stop();
    }
  });

  it('debug credentials: a valid token traces (Apim-Trace-Id, context.Tracing); expired or for another API it says so and traces nothing', async () => {
    const policy = '<policies><inbound><base/><set-header name="x-tracing" exists-action="override"><value>@(context.Tracing.ToString())</value></set-header></inbound><backend><forward-request/></backend><outbound/><on-error/></policies>';
    const g = await startGateway(seedConfig({}, policy), backend.origin);
    try {
      const apiId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/trustline-apim/apis/functions';
      const { token } = g.gateway.debugCredentials({ apiId, purposes: ['tracing'], credentialsExpireAfter: 'PT10M' });
      const res = await fetch(`${g.origin}/functions/hello`, { headers: { 'apim-debug-authorization': token } });
      expect(res.status).toBe(200);
      const id = res.headers.get('apim-trace-id')!;
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(backend.seen.at(-1)!.headers['x-tracing']).toBe('True');
      expect((g.gateway.trace(id) as { status: number }).status).toBe(200);
      const plain = await fetch(`${g.origin}/functions/hello`);
      expect(plain.headers.get('apim-trace-id')).toBeNull();
      expect(backend.seen.at(-1)!.headers['x-tracing']).toBe('False');
      // a forged token traces nothing and says nothing
      const forged = await fetch(`${g.origin}/functions/hello`, { headers: { 'apim-debug-authorization': token.replace(/s=.*/, 's=AAAA') } });
      expect(forged.headers.get('apim-trace-id')).toBeNull();
      g.clock.advance(11 * 60_000);
      const expired = await fetch(`${g.origin}/functions/hello`, { headers: { 'apim-debug-authorization': token } });
      expect(expired.headers.get('apim-trace-id')).toBeNull();
      expect(expired.headers.get('apim-debug-authorization-expired')).toMatch(/^Debug credentials expired at \d{4}-/);
      expect(() => g.gateway.debugCredentials({ apiId, purposes: ['tracing'], credentialsExpireAfter: 'PT61M' })).toThrow(/at most PT1H/);
      expect(() => g.gateway.debugCredentials({ apiId: `${apiId}x`, purposes: ['tracing'] })).toThrow(/Api not found/);
    } finally {
      await g.stop();
    }
  });

  it('debug credentials issued for another API: Apim-Debug-Authorization-WrongAPI', async () => {
    const cfg = seedConfig();
    cfg.apis.push({ ...cfg.apis[0]!, id: `${cfg.apis[0]!.id}2`, name: 'other', path: 'other' });
    const g = await startGateway(cfg, backend.origin);
    try {
      const { token } = g.gateway.debugCredentials({ apiId: '/x/apis/other', purposes: ['tracing'] });
      const res = await fetch(`${g.origin}/functions/hello`, { headers: { 'apim-debug-authorization': token } });
      expect(res.headers.get('apim-trace-id')).toBeNull();
      expect(res.headers.get('apim-debug-authorization-wrongapi')).toBe("Debug credentials were issued for API 'other', not for the API of this request.");
    } finally {
      await g.stop();
    }
  });
});

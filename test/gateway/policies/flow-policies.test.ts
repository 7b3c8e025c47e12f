import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../../src/gateway/policies/retry.js';
import { inbound, run } from './run.js';

const none = (xml: string) => `<policies><inbound>${xml}</inbound><backend/><outbound/><on-error/></policies>`;

describe('return-response response-variable-name', () => {
  it('starts from the send-request response, then applies set-status / set-header (behaviour 10)', async () => {
    const r = await run(none(`<send-request mode="new" response-variable-name="r"><set-url>https://side.example.net/</set-url><set-method>GET</set-method></send-request>
      <return-response response-variable-name="r"><set-header name="X-Added" exists-action="override"><value>1</value></set-header></return-response>`),
    { backend: { status: 207, headers: { 'x-side': 'yes' }, body: 'side body' } });
    expect(r.status).toBe(207);
    expect(r.body).toBe('side body');
    expect(r.headers['x-side']).toBe('yes');
    expect(r.headers['x-added']).toBe('1');
  });
  it('a variable that holds no response goes to on-error (500)', async () => {
    const r = await run(none('<set-variable name="r" value="text"/><return-response response-variable-name="r"/>'));
    expect(r.status).toBe(500);
  });
});

describe('emit-metric and log-to-eventhub write to the local sink', () => {
  it('events carry the evaluated message, metric value and dimensions', async () => {
    const r = await run(inbound(`<log-to-eventhub logger-id="hub" partition-key="p1">@("hello " + context.Request.Method)</log-to-eventhub>
      <emit-metric name="calls" namespace="ns" value="2"><dimension name="API ID"/><dimension name="Team" value="x"/></emit-metric>`));
    expect(r.events).toEqual([
      expect.objectContaining({ kind: 'eventhub', loggerId: 'hub', partitionKey: 'p1', message: 'hello GET' }),
      expect.objectContaining({ kind: 'metric', name: 'calls', namespace: 'ns', value: 2, dimensions: { 'API ID': 'api', Team: 'x' } }),
    ]);
  });
});

describe('llm-emit-token-metric and azure-openai-emit-token-metric', () => {
  const usage = { id: 'c1', choices: [{ message: { role: 'assistant', content: 'hi' } }], usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 } };
  const backend = (body: unknown, type = 'application/json') => ({ backend: { status: 200, headers: { 'content-type': type }, body: JSON.stringify(body) } });

  it('emit Total, Prompt and Completion Tokens from the answer\'s usage with the dimensions; the client gets the answer unchanged', async () => {
    const r = await run(inbound(`<azure-openai-emit-token-metric namespace="openai"><dimension name="API ID"/><dimension name="Client IP" value="@(context.Request.IpAddress)"/></azure-openai-emit-token-metric>`), backend(usage));
    expect(JSON.parse(r.body)).toEqual(usage);
    const dimensions = { 'API ID': 'api', 'Client IP': expect.any(String) };
    expect(r.events).toEqual([
      expect.objectContaining({ kind: 'metric', name: 'Total Tokens', namespace: 'openai', value: 42, dimensions }),
      expect.objectContaining({ kind: 'metric', name: 'Prompt Tokens', namespace: 'openai', value: 12, dimensions }),
      expect.objectContaining({ kind: 'metric', name: 'Completion Tokens', namespace: 'openai', value: 30, dimensions }),
    ]);
    // the Responses API spells them input_/output_tokens; the default namespace is API Management
    const resp = await run(inbound('<llm-emit-token-metric><dimension name="Operation ID"/></llm-emit-token-metric>'), backend({ usage: { input_tokens: 5, output_tokens: 7 } }));
    expect(resp.events.map((e) => [e.kind === 'metric' && e.name, e.kind === 'metric' && e.namespace, e.kind === 'metric' && e.value])).toEqual([['Total Tokens', 'API Management', 12], ['Prompt Tokens', 'API Management', 5], ['Completion Tokens', 'API Management', 7]]);
  });

  it('an answer without usage (or not JSON) emits nothing; no dimension, more than 5, or outside inbound is refused', async () => {
    expect((await run(inbound('<llm-emit-token-metric><dimension name="API ID"/></llm-emit-token-metric>'), backend({ ok: true }))).events).toEqual([]);
    expect((await run(inbound('<llm-emit-token-metric><dimension name="API ID"/></llm-emit-token-metric>'), backend('data: {}', 'text/event-stream'))).events).toEqual([]);
    await expect(run(inbound('<llm-emit-token-metric namespace="x"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_STRUCTURE' });
    const six = Array.from({ length: 6 }, (_, i) => `<dimension name="d${i}" value="v"/>`).join('');
    await expect(run(inbound(`<llm-emit-token-metric>${six}</llm-emit-token-metric>`))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_STRUCTURE' });
    await expect(run(`<policies><inbound/><backend><forward-request/></backend><outbound><llm-emit-token-metric><dimension name="API ID"/></llm-emit-token-metric></outbound></policies>`)).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_SECTION' });
  });
});

describe('limit-concurrency', () => {
  it('runs its policies; max-count must be a positive whole number', async () => {
    const r = await run(`<policies><inbound/><backend><limit-concurrency key="k" max-count="1"><forward-request/></limit-concurrency></backend></policies>`);
    expect(r.backendRequest).not.toBeNull();
    await expect(run(inbound('<limit-concurrency key="k" max-count="0"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

describe('retry', () => {
  it('fixed, linear and exponential waits (capped by max-interval)', () => {
    expect(retryDelaySeconds(3, { interval: 2 })).toBe(2);
    expect(retryDelaySeconds(3, { interval: 2, delta: 1 })).toBe(4);
    expect(retryDelaySeconds(3, { interval: 1, delta: 1, maxInterval: 100, random: () => 0.5 })).toBe(8);
    expect(retryDelaySeconds(10, { interval: 1, delta: 1, maxInterval: 30, random: () => 0.5 })).toBe(30);
  });
  it('repeats its policies while the condition holds, at most count more times (behaviour 36)', async () => {
    const r = await run(`<policies><inbound><set-variable name="n" value="@(0)"/></inbound><backend>
      <retry condition="@((int)context.Variables[&quot;n&quot;] &lt; 10)" count="3" interval="0" first-fast-retry="true">
        <set-variable name="n" value="@((int)context.Variables[&quot;n&quot;] + 1)"/></retry></backend></policies>`);
    expect(r.variables).toEqual({ n: 4 });
  });
  it('count must be 1 to 50', async () => {
    await expect(run(inbound('<retry condition="true" count="51" interval="1"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

describe('wait', () => {
  it('runs send-request children in parallel; for="any"; other children are refused (behaviour 36)', async () => {
    const r = await run(none(`<wait for="all"><send-request mode="new" response-variable-name="a"><set-url>https://a.example.net/</set-url><set-method>GET</set-method></send-request>
      <send-request mode="new" response-variable-name="b"><set-url>https://b.example.net/</set-url><set-method>GET</set-method></send-request></wait>`));
    expect(Object.keys(r.variables).sort()).toEqual(['a', 'b']);
    await expect(run(none('<wait><set-header name="x" exists-action="override"><value>1</value></set-header></wait>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_UNKNOWN_ELEMENT' });
  });
});

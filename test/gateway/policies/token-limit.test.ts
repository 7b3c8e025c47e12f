import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import { estimatePromptTokens } from '../../../src/gateway/policies/token-limit.js';
import { close, listen, seedConfig, startGateway } from '../helpers.js';
import { inbound, run } from './run.js';

/**
 * llm-token-limit / azure-openai-token-limit (docs/behaviour/apim.md §2): tokens per minute (429) and a token quota
 * per period (403) per counter key, counted from the answer's `usage` once it arrives.
 */
describe('llm-token-limit and azure-openai-token-limit', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => { while (stops.length) await stops.pop()!(); });
  /** A chat-completions backend that reports `tokens` total tokens per answer. */
  const gateway = async (limit: string, tokens = 40, backend = '<forward-request/>', throttleFirst = false) => {
    let calls = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (throttleFirst && calls++ % 2 === 0) { res.writeHead(429, { 'content-type': 'application/json' }); res.end('{"error":{"code":"429"}}'); return; }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c1', choices: [], usage: { prompt_tokens: 10, completion_tokens: tokens - 10, total_tokens: tokens } }));
      });
    });
    const origin = await listen(server);
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const policy = `<policies><inbound>${limit}</inbound><backend>${backend}</backend><outbound/><on-error/></policies>`;
    const g = await startGateway(seedConfig({}, policy), origin, clock);
    stops.push(async () => { await g.stop(); await close(server); });
    const call = () => fetch(`${g.origin}/functions/hello`);
    return { call, clock };
  };

  it('tokens-per-minute: the answers\' usage fills the minute; then 429 with Retry-After until the minute is over', async () => {
    const { call, clock } = await gateway('<llm-token-limit counter-key="k" tokens-per-minute="100" estimate-prompt-tokens="false" remaining-tokens-header-name="X-Left" tokens-consumed-header-name="X-Used"/>');
    const first = await call();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-left')).toBe('100');
    expect(first.headers.get('x-used')).toBe('40');
    expect((await call()).headers.get('x-left')).toBe('60');
    expect((await call()).status).toBe(200); // 80 used: under the limit, so it goes (and its answer passes it)
    clock.advance(15_000);
    const over = await call();
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('45');
    expect(await over.text()).toBe('{ "statusCode": 429, "message": "Token limit is exceeded. Try again in 45 seconds." }');
    clock.advance(45_000);
    expect((await call()).status).toBe(200);
  });

  it('forward-request inside retry: only the last answer\'s tokens count (a throttled first answer has no usage)', async () => {
    const retry = '<retry condition="@(context.Response.StatusCode == 429)" count="1" interval="0"><forward-request/></retry>';
    const { call } = await gateway('<llm-token-limit counter-key="k" tokens-per-minute="100" estimate-prompt-tokens="false" remaining-tokens-header-name="X-Left" tokens-consumed-header-name="X-Used"/>', 40, retry, true);
    const first = await call();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-used')).toBe('40');
    expect((await call()).headers.get('x-left')).toBe('60');
  });

  it('token-quota per token-quota-period: 403 once spent; remaining-quota-tokens-variable-name; azure-openai-token-limit alike', async () => {
    // an expression in token-quota (APIOps extracts of live services hold one)
    const { call, clock } = await gateway('<azure-openai-token-limit counter-key="@(context.Request.IpAddress)" token-quota="@(25 * 2)" token-quota-period="Hourly" estimate-prompt-tokens="false" remaining-quota-tokens-variable-name="left"/>', 30);
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const over = await call();
    expect(over.status).toBe(403);
    expect(await over.text()).toBe('{ "statusCode": 403, "message": "Out of token quota. Quota will be replenished in 01:00:00." }');
    clock.advance(3_600_000);
    expect((await call()).status).toBe(200);
  });

  it('estimate-prompt-tokens: the estimated prompt is refused up front when it would pass the limit; the variables hold the estimate', async () => {
    expect(estimatePromptTokens(JSON.stringify({ messages: [{ role: 'system', content: 'abcd' }, { role: 'user', content: [{ type: 'text', text: 'efghijkl' }] }] }))).toBe(3);
    const big = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    const refused = await run(inbound('<llm-token-limit counter-key="k" tokens-per-minute="50" estimate-prompt-tokens="true"/>'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(refused.status).toBe(429);
    expect(refused.backendRequest).toBeNull();
    const ok = await run(inbound('<llm-token-limit counter-key="k" tokens-per-minute="500" estimate-prompt-tokens="true" tokens-consumed-variable-name="used" remaining-tokens-variable-name="left"/>'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(ok.status).toBe(200);
    expect(ok.backendRequest!.body).toBe(big);
    expect(ok.variables).toMatchObject({ left: 400, used: 100 });
    // a streamed answer: the prompt is estimated whatever estimate-prompt-tokens says
    const stream = JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    const s = await run(inbound('<llm-token-limit counter-key="k" tokens-per-minute="500" estimate-prompt-tokens="false" tokens-consumed-variable-name="used"/>'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream });
    expect(s.variables).toMatchObject({ used: 100 });
    expect(s.backendRequest!.body).toBe(stream);
  });

  it('refuses a document without a limit, a period outside the list, a quota without its period', async () => {
    await expect(run(inbound('<llm-token-limit counter-key="k" estimate-prompt-tokens="false"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound('<llm-token-limit counter-key="k" token-quota="5" token-quota-period="Fortnightly"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound('<llm-token-limit counter-key="k" tokens-per-minute="5" token-quota="5"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound('<llm-token-limit tokens-per-minute="5"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

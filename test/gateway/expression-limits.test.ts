import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTwinError, ManualClock } from '../../src/core/index.js';
import { compileExpression } from '../../src/gateway/index.js';
import { EXPRESSION_LIMITS } from '../../src/gateway/expressions/limits.js';
import { expressionParseWork } from '../../src/gateway/expressions/parser.js';
import { loadPolicyDocument } from '../../src/gateway/index.js';
import { rawxmlScanWork } from '../../src/gateway/policy/rawxml.js';
import { ExpressionRuntimeError } from '../../src/gateway/expressions/values.js';
import { fakeContext } from './expression-context.js';
import { close, FakeTokens, seedConfig, startBackend, startGateway } from './helpers.js';

/** The error a compile or an evaluation throws; fails the test when it is not a coded TwinError. */
function thrown(f: () => unknown): { code: string; exceptionType?: string; message: string } {
  try {
    f();
  } catch (e) {
    expect(isTwinError(e), `not a TwinError: ${String(e)}`).toBe(true);
    const t = e as { code: string; message: string };
    return { code: t.code, message: t.message, ...(e instanceof ExpressionRuntimeError ? { exceptionType: e.exceptionType } : {}) };
  }
  throw new Error('expected an error');
}

const doubling = (n: number) => `@("a"${'.Replace("a", "aa")'.repeat(n)}.Length)`;
/** The size tests measure sizes, not time: the wall-clock limit is raised so that a loaded machine cannot hit it first. */
const NO_TIME_LIMIT = { limits: { maxMilliseconds: 600_000 } };

describe('policy expression limits (issue 8 findings)', () => {
  it('a string doubled 28 times with Replace ends with a limit error, not a dead process', () => {
    const c = compileExpression(doubling(28), NO_TIME_LIMIT);
    const err = thrown(() => c.evaluate(fakeContext()));
    expect(err.code).toBe('ERR_APIM_EXPRESSION_LIMIT');
    expect(err.message).toMatch(/string of \d+ characters/);
    // below the limit the same shape still works
    expect(compileExpression(doubling(10)).evaluate(fakeContext())).toBe(1024);
  });

  it('one amplifying call is refused before it allocates (PadLeft, Replace, Join)', () => {
    expect(thrown(() => compileExpression('@("".PadLeft(2000000000))', NO_TIME_LIMIT).evaluate(fakeContext())).code).toBe('ERR_APIM_EXPRESSION_LIMIT');
    expect(thrown(() => compileExpression('@(string.Join(",", "a,b".PadLeft(3000000).Split(\' \')))', NO_TIME_LIMIT).evaluate(fakeContext())).code).toBe('ERR_APIM_EXPRESSION_LIMIT');
    const big = '@{ var s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; '
      + 'for (var i = 0; i < 13; i++) { s = s + s; } return s.Replace("a", s).Length; }';
    expect(thrown(() => compileExpression(big, NO_TIME_LIMIT).evaluate(fakeContext())).code).toBe('ERR_APIM_EXPRESSION_LIMIT');
  });

  it('while (true) ends with a coded step-limit error', () => {
    // the default step limit; the time limit is raised so that a loaded machine does not hit it first
    const c = compileExpression('@{ var i = 0; while (true) { i++; } return i; }', NO_TIME_LIMIT);
    const err = thrown(() => c.evaluate(fakeContext()));
    expect(err.code).toBe('ERR_APIM_EXPRESSION_LIMIT');
    expect(err.message).toContain(`${EXPRESSION_LIMITS.maxSteps} evaluation steps`);
    // with every default limit it ends too (by steps or by time, whichever comes first)
    expect(thrown(() => compileExpression('@{ while (true) { } }').evaluate(fakeContext())).code).toBe('ERR_APIM_EXPRESSION_LIMIT');
  });

  it('evaluation is bounded in time (watchdog)', () => {
    let t = 0;
    const c = compileExpression('@{ var i = 0; while (true) { i++; } return i; }', { stopwatch: () => (t += 5), limits: { maxSteps: 1e9 } });
    expect(thrown(() => c.evaluate(fakeContext())).message).toContain(`longer than ${EXPRESSION_LIMITS.maxMilliseconds} ms`);
  });

  it('GetValueOrDefault("x", 5).ToLower() is a coded .NET-style error, never a TypeError', () => {
    const c = compileExpression('@(context.Request.Headers.GetValueOrDefault("x", 5).ToLower())');
    const err = thrown(() => c.evaluate(fakeContext()));
    expect(err.code).toBe('ERR_APIM_EXPRESSION_RUNTIME');
    expect(err.exceptionType).toBe('MissingMethodException');
  });

  it('parsing is linear: a 120 KB `@{ x<y; … }` policy inspects O(n) tokens', () => {
    const work = (n: number) => {
      const src = `@{ ${'x<y; '.repeat(n)} return 1; }`;
      const before = expressionParseWork();
      const err = thrown(() => compileExpression(src));
      expect(err.code).toMatch(/^ERR_APIM_EXPRESSION_/);
      return expressionParseWork() - before;
    };
    const small = work(2400);
    const large = work(24000); // 120 KB
    expect(large / small).toBeLessThan(12);
    // generic lookahead is memoized: nested argument lists of comparisons stay linear too
    const cmp = (n: number) => {
      const before = expressionParseWork();
      thrown(() => compileExpression(`@(f(${Array.from({ length: n }, () => 'a<b').join(', ')}))`));
      return expressionParseWork() - before;
    };
    expect(cmp(20000) / cmp(2000)).toBeLessThan(12);
  });

  it('source length and nesting depth are limited at compile time with a coded error', () => {
    expect(thrown(() => compileExpression(`@("${'a'.repeat(EXPRESSION_LIMITS.maxSourceLength)}")`)).code).toBe('ERR_APIM_EXPRESSION_LIMIT');
    expect(thrown(() => compileExpression(`@(${'('.repeat(5000)}1${')'.repeat(5000)})`)).code).toBe('ERR_APIM_EXPRESSION_LIMIT');
    expect(thrown(() => compileExpression(`@(${Array(20000).fill('1').join(' + ')})`)).code).toBe('ERR_APIM_EXPRESSION_LIMIT');
    expect(thrown(() => compileExpression(`@(context${'.Request'.repeat(5000)})`)).code).toBe('ERR_APIM_EXPRESSION_LIMIT');
    expect(thrown(() => compileExpression(`@{ ${'if (true) '.repeat(5000)} return 1; }`)).code).toBe('ERR_APIM_EXPRESSION_LIMIT');
    expect(thrown(() => compileExpression(`@($"${'{$"'.repeat(3000)}${'"}'.repeat(3000)}")`)).code).toMatch(/^ERR_APIM_EXPRESSION_/);
    // realistic sizes are fine
    expect(compileExpression(`@(${Array(150).fill('1').join(' + ')})`).evaluate(fakeContext())).toBe(150);
  });
});

describe('the policy XML loader stays linear', () => {
  it('unclosed @( in attribute values are scanned a bounded number of times (was quadratic: 10,000 took seconds)', () => {
    const work = (n: number) => {
      const before = rawxmlScanWork();
      const err = thrown(() => loadPolicyDocument(`<policies><inbound>${'<a b="@('.repeat(n)}</inbound></policies>`));
      expect(err.code).toBe('ERR_APIM_POLICY_XML');
      return rawxmlScanWork() - before;
    };
    const small = work(1000);
    const large = work(10000);
    expect(large / small).toBeLessThan(12);
  });
});

describe('a limit failure at request time is ExpressionValueEvaluationFailure (on-error), never a process death', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    backend = await startBackend();
    const policy = `<policies><inbound><base/>
      <set-header name="X-Big" exists-action="override"><value>${doubling(28)}</value></set-header>
    </inbound><backend><base/></backend><outbound><base/></outbound>
    <on-error><set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Reason)</value></set-header></on-error></policies>`;
    const clock = new ManualClock();
    gw = await startGateway(seedConfig({}, policy), backend.origin, clock, new FakeTokens(clock));
  });
  afterAll(async () => {
    await gw.stop();
    await close(backend.server);
  });

  it('answers 500 through on-error with Reason ExpressionValueEvaluationFailure, and keeps serving', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gw.origin}/functions/hello`);
      expect(res.status).toBe(500);
      expect(res.headers.get('x-reason')).toBe('ExpressionValueEvaluationFailure');
      await res.text();
    }
    expect(backend.seen.length).toBe(0);
  });
});

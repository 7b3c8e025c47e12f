import { describe, expect, it } from 'vitest';
import { isTwinError } from '../../src/core/index.js';
import { compileExpression } from '../../src/gateway/index.js';
import { ExpressionRuntimeError } from '../../src/gateway/expressions/values.js';
import { fakeContext } from './expression-context.js';

const ev = (src: string, ctx = fakeContext()) => compileExpression(src).evaluate(ctx);

function loadErr(src: string): { code: string; message: string } {
  try {
    compileExpression(src);
  } catch (e) {
    if (isTwinError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a compile error');
}

function runErr(src: string, ctx = fakeContext()): string {
  try {
    compileExpression(src).evaluate(ctx);
  } catch (e) {
    if (e instanceof ExpressionRuntimeError) return e.exceptionType;
    throw e;
  }
  throw new Error('expected a runtime error');
}

describe('policy expressions', () => {
  it.each([
    ['@(1 + 2 * 3)', 7],
    ['@(7 / 2)', 3],
    ['@(7 % 4)', 3],
    ['@(-3 + 1)', -2],
    ['@("a" + 1 + true)', 'a1True'],
    ['@(1 < 2 && !(3 >= 4) || false)', true],
    ['@(1 == 1 ? "y" : "n")', 'y'],
    ['@(null ?? "d")', 'd'],
    ["@('x'.ToString() + @\"C:\\p \"\"q\"\"\")", 'xC:\\p "q"'],
    ['@($"id={context.Request.MatchedParameters["id"]} {{x}}")', 'id=42 {x}'],
    ['@(true.ToString())', 'True'],
    ['@("Hello World".Length)', 11],
    ['@("Hello".Contains("ell") && "Hello".StartsWith("He") && "Hello".EndsWith("lo"))', true],
    ['@("Hello".Substring(1, 3) + "Hello".Substring(3))', 'elllo'],
    ['@(" a ".Trim().ToUpper() + "B".ToLower())', 'Ab'],
    ['@("a,b,c".Split(\',\')[1])', 'b'],
    ['@("aXbX".Replace("X", "-"))', 'a-b-'],
    ['@("abc".IndexOf("c"))', 2],
    ['@("A".Equals("a", StringComparison.OrdinalIgnoreCase))', true],
    ['@("A".Equals("a"))', false],
    ['@(string.IsNullOrEmpty(null) && String.IsNullOrEmpty(""))', true],
    ['@(string.Join("-", "a,b".Split(\',\')))', 'a-b'],
    ['@(int.Parse("12") + 1)', 13],
    ['@(context.Request.Method)', 'GET'],
    ['@(context.Request.Url.Path)', '/api/users/42'],
    ['@(context.Request.Url.Host)', 'trustline-func.azurewebsites.net'],
    ['@(context.Request.Url.Query.GetValueOrDefault("b", ""))', 'x y'],
    ['@(context.Request.Url.ToString())', 'https://trustline-func.azurewebsites.net/api/users/42?a=1&b=x%20y'],
    ['@(context.Request.IpAddress)', '10.1.2.3'],
    ['@(context.Api.Name + context.Api.Path)', 'functionsfunctions'],
    ['@(context.Operation.Name + " " + context.Operation.Method + " " + context.Operation.UrlTemplate)', 'get-user GET /users/{id}'],
    ['@(context.RequestId.ToString())', '00000000-0000-4000-8000-000000000001'],
    ['@(context.Subscription == null)', true],
    ['@(context.Subscription?.Name ?? "none")', 'none'],
    ['@{ var x = context.Request.Method; if (x == "GET") { return "read"; } else { return "write"; } }', 'read'],
    ['@{\n  string s = "a";\n  s = s + "b";\n  return s;\n}', 'ab'],
  ])('%s', (src, expected) => {
    expect(ev(src)).toEqual(expected);
  });

  it('reads headers case-insensitively and comma-joins repeated ones', () => {
    const ctx = fakeContext({ headers: [['X-Multi', 'a'], ['x-multi', 'b'], ['Accept', 'json']] });
    expect(ev('@(context.Request.Headers.GetValueOrDefault("x-MULTI"))', ctx)).toBe('a,b');
    expect(ev('@(context.Request.Headers.GetValueOrDefault("missing", "dflt"))', ctx)).toBe('dflt');
    expect(ev('@(context.Request.Headers.GetValueOrDefault("missing"))', ctx)).toBe(null);
    expect(ev('@(context.Request.Headers.ContainsKey("accept"))', ctx)).toBe(true);
  });

  it('reads variables with casts and GetValueOrDefault<T>', () => {
    const ctx = fakeContext({ variables: { s: 'text', n: 5, b: true } });
    expect(ev('@((string)context.Variables["s"])', ctx)).toBe('text');
    expect(ev('@(context.Variables.GetValueOrDefault<int>("n") + 1)', ctx)).toBe(6);
    expect(ev('@(context.Variables.GetValueOrDefault<int>("absent"))', ctx)).toBe(0);
    expect(ev('@(context.Variables.GetValueOrDefault<string>("absent", "d"))', ctx)).toBe('d');
    expect(ev('@(context.Variables.GetValueOrDefault<bool>("b"))', ctx)).toBe(true);
    expect(ev('@(context.Variables.ContainsKey("s"))', ctx)).toBe(true);
    expect(runErr('@((string)context.Variables["n"])', ctx)).toBe('InvalidCastException');
    expect(runErr('@(context.Variables["absent"])', ctx)).toBe('KeyNotFoundException');
  });

  it('reads the subscription when a key was used', () => {
    expect(ev('@(context.Subscription.Name + "/" + context.Subscription.Key)', fakeContext({ subscription: true }))).toBe('sub1/k1');
  });

  it('raises .NET exceptions at run time', () => {
    expect(runErr('@(int.Parse("x"))')).toBe('FormatException');
    expect(runErr('@("a b".Split(\' \')[5])')).toBe('IndexOutOfRangeException');
    expect(runErr('@(context.Subscription.Name)')).toBe('NullReferenceException');
    expect(runErr('@(1 / 0)')).toBe('DivideByZeroException');
    expect(runErr('@("abc".Substring(5))')).toBe('ArgumentOutOfRangeException');
  });

  it('rejects unsupported and invalid code at load, with the right code', () => {
    expect(loadErr('@(System.IO.File.ReadAllText("x"))')).toEqual({ code: 'ERR_APIM_EXPRESSION_UNSUPPORTED', message: "The type 'File' is not allowed in APIM policy expressions" });
    expect(loadErr('@("a".Frobnicate())').message).toBe("'String' has no supported method 'Frobnicate'");
    expect(loadErr('@((XmlDocument)context.Variables["x"])').code).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(loadErr('@(1 +)').code).toBe('ERR_APIM_EXPRESSION_SYNTAX');
    expect(loadErr('@{ foreach (var x in y) { } return 1; }')).toEqual({ code: 'ERR_APIM_EXPRESSION_INVALID', message: "The name 'y' does not exist in the current context" });
    expect(loadErr('@{ goto x; }').code).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
  });

  it('has no path to host objects (constructor, __proto__) ', () => {
    expect(loadErr('@(context.constructor)').code).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(loadErr('@("a".__proto__)').code).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(loadErr('@(context.Variables.toString())').code).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
  });
});

/**
 * Regression tests for the ARM findings of issue 8: one template may not kill or freeze the twin, and
 * every error that leaves the evaluator is a coded TwinError with a location (docs/limits.md).
 */
import { closeSync, mkdtempSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploy, loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { ARM_LIMITS, Budget } from '../../src/arm/expressions/limits.js';
import { ev, testContext } from './helpers/expr.js';
import { setup } from './helpers/seed.js';

function caught(fn: () => unknown): { code: string; message: string; location?: { jsonPath?: string; line?: number }; details?: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected an error');
}

function deployOutput(expression: string, type = 'string') {
  const { options } = setup();
  const text = JSON.stringify({ resources: [], outputs: { x: { type, value: expression } } }, null, 2);
  return () => deploy({ deploymentName: 'd', template: { text, file: 'limits.json' } }, options);
}

describe('ARM size limits (issue 8: V8 "invalid size" crash)', () => {
  it("refuses `length(split(padLeft('', 200000000), ' '))` with a coded error at the output's line", () => {
    const e = caught(deployOutput("[length(split(padLeft('', 200000000), ' '))]", 'int'));
    expect(e.code).toBe('ERR_ARM_LIMIT_EXCEEDED');
    expect(e.details?.['limit']).toBe('maxStringLength');
    expect(e.location).toMatchObject({ jsonPath: 'outputs.x.value', line: 6 });
    expect(e.message).toContain("'padLeft'");
  });

  it('refuses padLeft widths that used to throw RangeError, before building the string', () => {
    expect(caught(() => ev("[padLeft('a', 2000000000)]")).code).toBe('ERR_ARM_LIMIT_EXCEEDED');
    expect(ev("[padLeft('7', 3, '0')]")).toBe('007');
  });

  it('bounds strings grown by replace, concat, join, format and string()', () => {
    const big = "padLeft('', 10000000, 'a')";
    expect(caught(() => ev(`[replace(${big}, 'a', 'aa')]`)).details?.['limit']).toBe('maxStringLength');
    expect(caught(() => ev(`[concat(${big}, ${big})]`)).details?.['limit']).toBe('maxStringLength');
    expect(caught(() => ev(`[join(createArray(${big}, ${big}), '')]`)).details?.['limit']).toBe('maxStringLength');
    expect(caught(() => ev(`[format('{0}{0}', ${big})]`)).details?.['limit']).toBe('maxStringLength');
    expect(caught(() => ev(`[string(createArray(${big}, ${big}))]`)).details?.['limit']).toBe('maxStringLength');
    expect(caught(() => ev(`[base64(concat(${big}, ${big}))]`)).code).toBe('ERR_ARM_LIMIT_EXCEEDED');
  });

  it('bounds arrays built by split and flatten', () => {
    const e = caught(() => ev("[length(split(padLeft('', 2000000, ','), ','))]"));
    expect(e.code).toBe('ERR_ARM_LIMIT_EXCEEDED');
    expect(e.details?.['limit']).toBe('maxCollectionLength');
  });

  it('refuses expressions longer than 24,576 characters (Azure) and nested deeper than the limit', () => {
    const long = `[concat('${'x'.repeat(ARM_LIMITS.maxExpressionLength)}')]`;
    expect(caught(() => ev(long)).details?.['limit']).toBe('maxExpressionLength');
    const deep = `[${'concat('.repeat(250)}'a'${')'.repeat(250)}]`;
    expect(caught(() => ev(deep)).details?.['limit']).toBe('maxExpressionDepth');
    const chain = `[parameters('obj')${'.a'.repeat(300)}]`;
    expect(caught(() => ev(chain)).details?.['limit']).toBe('maxExpressionDepth');
  });

  it('refuses json() values nested deeper than the JSON depth limit', () => {
    const e = caught(() => ev(`[json('${'['.repeat(300)}${']'.repeat(300)}')]`));
    expect(e.details?.['limit']).toBe('maxJsonDepth');
  });
});

describe('no uncoded error escapes the evaluator (issue 8)', () => {
  it("format('{0:N99}') formats 99 decimals like .NET instead of throwing RangeError", () => {
    expect(ev("[format('{0:N99}', 1234)]")).toBe('1,234.' + '0'.repeat(99));
    expect(ev("[format('{0:N0}', 8175133)]")).toBe('8,175,133');
    expect(caught(() => ev("[format('{0:N100}', 1)]")).code).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
    expect(caught(() => ev("[format('{0,2000000000}', 1)]")).code).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
  });

  it('uriComponentToString decodes like .NET Uri.UnescapeDataString (no URIError)', () => {
    expect(ev("[uriComponentToString('%')]")).toBe('%');
    expect(ev("[uriComponentToString('a%E0%A4b%20c%ZZ')]")).toBe('a%E0%A4b c%ZZ');
    expect(ev("[uriComponentToString('%E0%A4%AB')]")).toBe('फ');
    expect(ev("[uriComponentToString('http%3A%2F%2Fcontoso.com%2Fresources%3Fname%3Dvalue')]")).toBe('http://contoso.com/resources?name=value');
    expect(ev("[uriComponentToString('%C3%A9')]")).toBe('é');
  });

  it('base64ToString refuses what .NET Convert.FromBase64String refuses', () => {
    expect(caught(() => ev("[base64ToString('not base64!')]")).code).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
    expect(ev("[base64ToString('b25lLCB0d28sIHRocmVl')]")).toBe('one, two, three');
  });

  it('turns an unexpected exception inside a function into ERR_ARM_INTERNAL with the location', () => {
    const { options } = setup();
    const template = { resources: [], outputs: { x: { type: 'object', value: "[reference('/subscriptions/x')]" } } };
    const store = options.store;
    const broken = { ...store, getResource: () => { throw new TypeError('boom'); } };
    const e = caught(() => deploy({ deploymentName: 'd', template }, { ...options, store: broken as typeof store }));
    expect(e.code).toBe('ERR_ARM_INTERNAL');
    expect(e.message).toContain('TypeError: boom');
    expect(e.location).toMatchObject({ jsonPath: 'outputs.x.value' });
  });
});

describe('evaluation is bounded (issue 8: a 442-byte template froze the twin for 17 s)', () => {
  it('de-duplicates union() in linear time: 40 × union(range(0,10000), range(10000,10000)) deploys', () => {
    const { options } = setup();
    const outputs: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) outputs[`o${i}`] = { type: 'int', value: '[length(union(range(0,10000), range(10000,10000)))]' };
    const result = deploy({ deploymentName: 'd', template: { resources: [], outputs } }, options);
    expect(result.outputs['o39']).toEqual({ type: 'Int', value: 20000 });
    expect(ev("[union(createArray(1, 2, createArray(3)), createArray(createArray(3), 2, '2'))]")).toEqual([1, 2, [3], '2']);
    expect(ev('[intersection(createArray(1, 2, 3, 2), createArray(3, 2))]')).toEqual([2, 3]);
  });

  it('stops an expression at its step budget with a coded error', () => {
    const ctx = testContext({ budget: new Budget({ perExpression: 5000 }) });
    const e = caught(() => ev('[length(concat(range(0, 10000), range(0, 10000)))]', ctx));
    expect(e.code).toBe('ERR_ARM_LIMIT_EXCEEDED');
    expect(e.details?.['limit']).toBe('maxStepsPerExpression');
  });

  it('stops a deployment at its step budget: a copy loop of heavy inputs ends with an error', () => {
    const { options } = setup();
    const variables = { copy: [{ name: 'big', count: 800, input: '[length(union(range(0,10000), range(5000,10000)))]' }] };
    const template = { resources: [], variables, outputs: { x: { type: 'array', value: "[variables('big')]" } } };
    const e = caught(() => deploy({ deploymentName: 'd', template }, options));
    expect(e.code).toBe('ERR_ARM_LIMIT_EXCEEDED');
    expect(e.location?.jsonPath).toBeDefined();
  });
});

describe('template size (issue 8: a 50 MB template through up took 1.7 GB)', () => {
  it('refuses a template file above 4 MB by its size, before reading it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-limits-'));
    const file = join(dir, 'huge.json');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 50 * 1024 * 1024); // 50 MB of zero bytes: reading it would be the old failure
    closeSync(fd);
    const before = process.memoryUsage().rss;
    const e = caught(() => loadTemplateFile(file));
    expect(e.code).toBe('ERR_ARM_LIMIT_EXCEEDED');
    expect(e.details).toMatchObject({ limit: 'maxTemplateBytes', max: 4 * 1024 * 1024, value: 50 * 1024 * 1024 });
    expect(e.message).toContain('huge.json');
    expect(process.memoryUsage().rss - before).toBeLessThan(20 * 1024 * 1024);
    expect(caught(() => loadParametersFile(file)).details).toMatchObject({ limit: 'maxParametersBytes' });
  });

  it('refuses a template object above 4 MB and JSON nested deeper than 256 levels', () => {
    const { options } = setup();
    const template = { resources: [], variables: { big: 'x'.repeat(5 * 1024 * 1024) } };
    expect(caught(() => deploy({ deploymentName: 'd', template }, options)).details).toMatchObject({ limit: 'maxTemplateBytes' });
    const text = `{"resources": [], "variables": {"v": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const e = caught(() => deploy({ deploymentName: 'd', template: { text, file: 'deep.json' } }, options));
    expect(e.code).toBe('ERR_ARM_LIMIT_EXCEEDED');
    expect(e.location).toMatchObject({ file: 'deep.json', line: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'trustline-limits-'));
    writeFileSync(join(dir, 'deep.json'), text);
    expect(caught(() => loadTemplateFile(join(dir, 'deep.json'))).details).toMatchObject({ limit: 'maxJsonDepth' });
  });
});

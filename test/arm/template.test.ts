import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploy, loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { parseJsonDocument } from '../../src/arm/template/jsonc.js';
import { RG, setup } from './helpers/seed.js';

describe('JSONC template loading', () => {
  it('accepts comments, trailing commas and raw control characters in strings, with locations', () => {
    const text = '{\n  // comment\n  "a": "line1\nline2\tTab",\n  /* block */ "b": [1, 2,],\n  "c": {"d": true,},\n}\n';
    const doc = parseJsonDocument(text, 'x.json');
    expect(doc.value).toEqual({ a: 'line1\nline2\tTab', b: [1, 2], c: { d: true } });
    expect(doc.locate('a')).toEqual({ file: 'x.json', jsonPath: 'a', line: 3, column: 8 });
    expect(doc.locate('b[1]')).toEqual({ file: 'x.json', jsonPath: 'b[1]', line: 5, column: 24 });
    expect(doc.locate('c.d')).toEqual({ file: 'x.json', jsonPath: 'c.d', line: 6, column: 14 });
  });
  it('names file, line and column of syntax errors', () => {
    try {
      parseJsonDocument('{\n  "a": 1\n  "b": 2\n}', 'bad.json');
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_ARM_TEMPLATE_PARSE');
      expect((e as Error).message).toBe("Unable to parse JSON file 'bad.json': CommaExpected at line '3' and column '3'.");
      expect((e as { location: unknown }).location).toEqual({ file: 'bad.json', line: 3, column: 3 });
    }
  });
  it('parameters files are literal: "[[x]" and "[concat()]" are not evaluated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arm-'));
    const t = join(dir, 't.json');
    const p = join(dir, 'p.json');
    writeFileSync(t, JSON.stringify({ parameters: { a: { type: 'string' }, b: { type: 'string' } }, resources: [], outputs: { a: { type: 'string', value: "[parameters('a')]" }, b: { type: 'string', value: "[parameters('b')]" } } }));
    writeFileSync(p, '{ "$schema": "x", "contentVersion": "1.0.0.0", "parameters": { "a": { "value": "[[x]" }, "b": { "value": "[concat(\'q\')]" }, } }');
    const { options } = setup();
    const r = deploy({ deploymentName: 'd', template: loadTemplateFile(t), parameters: loadParametersFile(p) }, options);
    expect(r.outputs).toEqual({ a: { type: 'String', value: '[[x]' }, b: { type: 'String', value: "[concat('q')]" } });
  });
});

describe('parameters and variables', () => {
  const base = (parameters: Record<string, unknown>, variables: Record<string, unknown> = {}, outputs: Record<string, unknown> = {}) => ({ parameters, variables, resources: [], outputs });
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return { code: (e as { code: string }).code, message: (e as Error).message };
    }
    throw new Error('expected an error');
  };
  it('default values may be expressions over other parameters and scope functions', () => {
    const { options } = setup();
    const t = base(
      { name: { type: 'string' }, full: { type: 'string', defaultValue: "[concat(parameters('name'), '-', resourceGroup().location)]" }, n: { type: 'int', defaultValue: 3 } },
      {},
      { full: { type: 'string', value: "[parameters('FULL')]" }, n: { type: 'int', value: "[parameters('n')]" } },
    );
    expect(deploy({ deploymentName: 'd', template: t, parameters: { name: { value: 'x' } } }, options).outputs).toEqual({
      full: { type: 'String', value: 'x-westeurope' },
      n: { type: 'Int', value: 3 },
    });
  });
  it('checks types, allowedValues, minLength/maxLength, minValue/maxValue', () => {
    const { options } = setup();
    const t = base({ s: { type: 'string', allowedValues: ['a', 'b'], minLength: 1 }, i: { type: 'int', minValue: 1, maxValue: 5, defaultValue: 2 } });
    expect(err(() => deploy({ deploymentName: 'd', template: t, parameters: { s: { value: 'c' } } }, options))).toEqual({
      code: 'ERR_ARM_PARAMETER_INVALID',
      message: "The provided value 'c' for the template parameter 's' is not valid. The parameter value is not part of the allowed value(s): 'a,b'.",
    });
    expect(err(() => deploy({ deploymentName: 'd', template: t, parameters: { s: { value: 1 } } }, options)).message).toBe(
      "The provided value '1' for the template parameter 's' is not valid. Expected a value of type 'String', but received a value of type 'Integer'.",
    );
    expect(err(() => deploy({ deploymentName: 'd', template: t, parameters: { s: { value: 'a' }, i: { value: 9 } } }, options)).message).toBe(
      "The provided value '9' for the template parameter 'i' is not valid. The value is greater than the maximum value '5'.",
    );
    // An empty allowedValues list restricts nothing, as ARM deployed it (Azure/bicep#581).
    const open = base({ s: { type: 'string', allowedValues: [], defaultValue: 'test' } });
    expect(deploy({ deploymentName: 'd', template: open, parameters: { s: { value: 'anything' } } }, options).parameters).toEqual({ s: { type: 'String', value: 'anything' } });
    const t2 = base({ s: { type: 'string', maxLength: 2 } });
    expect(err(() => deploy({ deploymentName: 'd', template: t2, parameters: { s: { value: 'abc' } } }, options)).message).toBe(
      "The provided value 'abc' for the template parameter 's' is not valid. The length of the value exceeds the maximum length '2'.",
    );
  });
  it('variables are lazy, memoised, case-insensitive; cycles are errors', () => {
    const { options } = setup();
    const t = base({}, { a: "[concat(variables('B'), '!')]", b: 'x', unused: '[nosuch()]' }, { a: { type: 'string', value: "[variables('a')]" } });
    expect(deploy({ deploymentName: 'd', template: t }, options).outputs).toEqual({ a: { type: 'String', value: 'x!' } });
    const cyc = base({}, { a: "[variables('b')]", b: "[variables('a')]" }, { a: { type: 'string', value: "[variables('a')]" } });
    expect(err(() => deploy({ deploymentName: 'd', template: cyc }, options)).code).toBe('ERR_ARM_CIRCULAR_REFERENCE');
  });
  it('variable copy and property copy build arrays', () => {
    const { store, options } = setup();
    const t = {
      variables: { copy: [{ name: 'names', count: 2, input: "[concat('n', copyIndex('names'))]" }] },
      resources: [
        {
          type: 'Microsoft.Web/serverfarms',
          name: 'p',
          properties: { copy: [{ name: 'items', count: 2, input: { v: "[variables('names')[copyIndex('items')]]" } }] },
        },
      ],
    };
    deploy({ deploymentName: 'd', template: t }, options);
    expect(store.getResource(`${RG}/providers/Microsoft.Web/serverfarms/p`)!.properties).toEqual({ items: [{ v: 'n0' }, { v: 'n1' }] });
  });
});

describe('deployment-time functions', () => {
  it('arm traps 10 and 11: utcNow/newGuid only in parameter defaults; deployment(); reference by name and Full; reference not allowed in variables', () => {
    const { options } = setup();
    const t = {
      parameters: { stamp: { type: 'string', defaultValue: '[utcNow()]' }, g: { type: 'string', defaultValue: '[newGuid()]' } },
      variables: { bad: "[reference('p').x]" },
      resources: [{ type: 'Microsoft.Web/serverfarms', name: 'p', properties: { x: 1 } }],
      outputs: {
        stamp: { type: 'string', value: "[parameters('stamp')]" },
        g: { type: 'string', value: "[parameters('g')]" },
        dep: { type: 'string', value: '[deployment().name]' },
        byName: { type: 'int', value: "[reference('p').x]" },
        full: { type: 'string', value: "[reference('p', '2022-09-01', 'Full').type]" },
      },
    };
    expect(deploy({ deploymentName: 'dep-7', template: t }, options).outputs).toEqual({
      stamp: { type: 'String', value: '20261129T120000Z' },
      g: { type: 'String', value: '00000000-0000-4000-8000-000000000001' },
      dep: { type: 'String', value: 'dep-7' },
      byName: { type: 'Int', value: 1 },
      full: { type: 'String', value: 'Microsoft.Web/serverfarms' },
    });
    const withBad = { ...t, outputs: { bad: { type: 'int', value: "[variables('bad')]" } } };
    try {
      deploy({ deploymentName: 'dep-8', template: withBad }, options);
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_ARM_REFERENCE_NOT_ALLOWED');
      expect((e as { location: unknown }).location).toEqual({ jsonPath: 'variables.bad' });
    }
    const utcInResource = { resources: [{ type: 'Microsoft.Web/serverfarms', name: 'p', properties: { t: '[utcNow()]' } }] };
    try {
      deploy({ deploymentName: 'dep-9', template: utcInResource }, options);
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_ARM_EXPRESSION_EVAL');
      expect((e as Error).message).toBe(
        "The template resource 'Microsoft.Web/serverfarms/p' is not valid: The template function 'utcNow' is not expected at this location. It can only be used within the default value of a parameter. Please see https://aka.ms/arm-template-expressions for usage details.",
      );
    }
  });
});

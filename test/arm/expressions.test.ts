import { describe, it, expect } from 'vitest';
import { tokenize, parseExpression, parseTemplateString } from '../../src/arm/expressions/index.js';
import { ev, testContext } from './helpers/expr.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'no error';
}

describe('tokenizer', () => {
  it('tokenizes calls, strings with doubled quotes, ints and punctuation with offsets', () => {
    expect(tokenize("concat('It''s', -12).x[0]")).toEqual([
      { kind: 'ident', text: 'concat', offset: 0 },
      { kind: 'lparen', text: '(', offset: 6 },
      { kind: 'string', text: "It's", offset: 7 },
      { kind: 'comma', text: ',', offset: 14 },
      { kind: 'int', text: '-12', offset: 16 },
      { kind: 'rparen', text: ')', offset: 19 },
      { kind: 'dot', text: '.', offset: 20 },
      { kind: 'ident', text: 'x', offset: 21 },
      { kind: 'lbracket', text: '[', offset: 22 },
      { kind: 'int', text: '0', offset: 23 },
      { kind: 'rbracket', text: ']', offset: 24 },
      { kind: 'eof', text: '', offset: 25 },
    ]);
  });
  it('rejects unterminated strings and float literals', () => {
    expect(code(() => tokenize("concat('abc"))).toBe('ERR_ARM_EXPRESSION_SYNTAX');
    expect(code(() => tokenize('add(1.5, 2)'))).toBe('ERR_ARM_EXPRESSION_SYNTAX');
  });
});

describe('parser', () => {
  it('builds an AST with member access, indexes and offsets', () => {
    expect(parseExpression("reference('a').b['c'][1]")).toEqual({
      kind: 'index',
      offset: 21,
      index: { kind: 'int', value: 1, offset: 22 },
      object: {
        kind: 'index',
        offset: 16,
        index: { kind: 'string', value: 'c', offset: 17 },
        object: {
          kind: 'member',
          property: 'b',
          offset: 14,
          object: { kind: 'call', name: 'reference', offset: 0, args: [{ kind: 'string', value: 'a', offset: 10 }] },
        },
      },
    });
  });
  it('accepts namespaced function names', () => {
    expect(parseExpression('__bicep.f(1)')).toEqual({ kind: 'call', name: '__bicep.f', offset: 0, args: [{ kind: 'int', value: 1, offset: 10 }] });
  });
  it('classifies template strings: [[ escape, literal brackets, expressions', () => {
    expect(parseTemplateString('[[test value]')).toEqual({ kind: 'literal', value: '[test value]' });
    expect(parseTemplateString('[test] value')).toEqual({ kind: 'literal', value: '[test] value' });
    expect(parseTemplateString('[test')).toEqual({ kind: 'literal', value: '[test' });
    expect(parseTemplateString('plain')).toEqual({ kind: 'literal', value: 'plain' });
    expect(parseTemplateString("[toLower('A')]").kind).toBe('expression');
  });
  it('reports syntax errors with the offset', () => {
    try {
      parseExpression("concat('a' 'b')");
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_ARM_EXPRESSION_SYNTAX');
      expect((e as Error).message).toBe("The language expression is not valid: expected ')' or ',' but found 'b' at position 11.");
      expect((e as { details: unknown }).details).toEqual({ offset: 11 });
    }
  });
});

describe('evaluator: docs/behaviour/arm.md §5 traps', () => {
  it('arm trap 1: concat joins strings (scalars stringified) and arrays; mixing is an error', () => {
    expect(ev("[concat('a', 'b', 'c')]")).toBe('abc');
    expect(ev("[concat('a', 1, true())]")).toBe('a1True');
    expect(ev("[concat(createArray(1, 2), createArray('x'))]")).toEqual([1, 2, 'x']);
    expect(code(() => ev("[concat(createArray(1), 'a')]"))).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
    expect(ev('[concat()]')).toBe('');
  });
  it('arm trap 4: format renders bools as True/False, objects with single quotes, {{ escapes', () => {
    expect(ev("[format('>{0}<>{1}<>{2}<>{3}<', false(), 12948, json('{\"a\":\"b\",\"!c\":2}'), json('[true,2893,\"abc\"]'))]")).toBe(
      ">False<>12948<>{'a':'b','!c':2}<>[true,2893,'abc']<",
    );
    expect(ev("[format('{{{0}}} {1:N0} {2:D3} {0,4}|', 'x', 8175133, 7)]")).toBe('{x} 8,175,133 007    x|');
    expect(code(() => ev("[format('{1}', 'a')]"))).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
  });
  it('arm trap 2: equals is case-sensitive and deep; int never equals string', () => {
    expect(ev("[equals('abc', 'ABC')]")).toBe(false);
    expect(ev("[equals('abc', 'abc')]")).toBe(true);
    expect(ev("[equals(1, '1')]")).toBe(false);
    expect(ev("[equals(createArray(1, 'a'), createArray(1, 'a'))]")).toBe(true);
    expect(ev("[equals(createObject('a', 1), createObject('a', 1))]")).toBe(true);
  });
  it('arm trap 2: contains is case-sensitive on strings/arrays, case-insensitive on object keys; indexOf is case-insensitive', () => {
    expect(ev("[contains('FOOBAR', 'foo')]")).toBe(false);
    expect(ev("[indexOf('FOOBAR', 'foo')]")).toBe(0);
    expect(ev("[contains(createArray('FOO'), 'foo')]")).toBe(false);
    expect(ev("[indexOf(createArray('FOO'), 'foo')]")).toBe(-1);
    expect(ev("[contains(createObject('a', 1), 'A')]")).toBe(true);
    expect(ev("[startsWith('abc', 'AB')]")).toBe(true);
    expect(ev("[endsWith('abc', 'BC')]")).toBe(true);
  });
  it('arm trap 14: [[ escapes and doubled single quotes', () => {
    expect(ev("[[concat('a')]")).toBe("[concat('a')]");
    expect(ev("['It''s']")).toBe("It's");
    expect(ev('[test] value')).toBe('[test] value');
  });
  it('uniqueString and guid match the spec vectors', () => {
    expect(ev("[uniqueString('hello', 'world')]")).toBe('a7wkljktk6wne');
    expect(ev("[uniqueString('/subscriptions/00000000-0000-0000-0000-000000000000', 'resource-id')]")).toBe('cwvxuqg24sifi');
    expect(ev("[guid('abc')]")).toBe('a9b46cc2-65a6-5559-9f14-7091827ab32f');
    expect(ev("[guid('a', 'b', 'c')]")).toBe('a98fa280-e03f-5afa-8d8e-92d0a9c201e8');
  });
  it('arm trap 13: if is lazy; and/or short-circuit', () => {
    expect(ev("[if(true(), 'yes', nosuchfunction())]")).toBe('yes');
    expect(ev("[if(equals(1, 2), nosuchfunction(), 'no')]")).toBe('no');
    expect(ev('[or(true(), nosuchfunction())]')).toBe(true);
    expect(ev('[and(false(), nosuchfunction())]')).toBe(false);
    expect(ev('[not(true())]')).toBe(false);
  });
  it('arm traps 6 and 7: empty, coalesce, json null, union deep merge', () => {
    expect(ev("[empty('')]")).toBe(true);
    expect(ev('[empty(json(\'null\'))]')).toBe(true);
    expect(ev("[coalesce(json('null'), '', 'x')]")).toBe('');
    expect(ev('[union(json(\'{"property":{"one":"a","three":"c1"},"nestedArray":[1,2]}\'), json(\'{"property":{"three":"c2","four":"d"},"nestedArray":[3,4]}\'))]')).toEqual({
      property: { one: 'a', three: 'c2', four: 'd' },
      nestedArray: [3, 4],
    });
    expect(ev("[union(createArray('one', 'two'), createArray('two', 'three'))]")).toEqual(['one', 'two', 'three']);
  });
  it('arm traps 4, 8 and 9: string functions (string(true) is True, uri/uriComponent, substring out of range, skip clamps)', () => {
    expect(ev("[toLower('AbC')]")).toBe('abc');
    expect(ev("[toUpper('AbC')]")).toBe('ABC');
    expect(ev("[replace('a-b-c', '-', '+')]")).toBe('a+b+c');
    expect(ev("[split('a,b;c', createArray(',', ';'))]")).toEqual(['a', 'b', 'c']);
    expect(ev("[substring('hello', 1, 3)]")).toBe('ell');
    expect(code(() => ev("[substring('1234567890', 0, 11)]"))).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
    expect(ev("[trim('  x ')]")).toBe('x');
    expect(ev("[base64('one, two, three')]")).toBe('b25lLCB0d28sIHRocmVl');
    expect(ev("[uri('http://contoso.org/firstpath', 'myscript.sh')]")).toBe('http://contoso.org/myscript.sh');
    expect(ev("[uri('http://contoso.org/firstpath/', 'myscript.sh')]")).toBe('http://contoso.org/firstpath/myscript.sh');
    expect(ev("[uriComponent('http://contoso.com/resources/nested/azuredeploy.json')]")).toBe('http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json');
    expect(ev("[uriComponent('(a)!')]")).toBe('%28a%29%21');
    expect(ev("[string(true())]")).toBe('True');
    expect(ev("[string(createObject('valueA', 10, 'valueB', 'Example Text'))]")).toBe('{"valueA":10,"valueB":"Example Text"}');
    expect(ev("[length('abc')]")).toBe(3);
    expect(ev("[first('abc')]")).toBe('a');
    expect(ev("[last(createArray(1, 2))]")).toBe(2);
    expect(ev("[skip('abcdef', 10)]")).toBe('');
    expect(ev("[take(createArray(1, 2, 3), 2)]")).toEqual([1, 2]);
    expect(ev("[int('42')]")).toBe(42);
    expect(ev("[bool('TRUE')]")).toBe(true);
  });
  it('arm trap 15: member access and parameter/variable/function names are case-insensitive', () => {
    expect(ev("[PARAMETERS('SITENAME')]")).toBe('app');
    expect(ev("[Variables('PLANNAME')]")).toBe('plan-1');
    expect(ev("[parameters('obj').A]")).toBe('b');
    expect(ev("[parameters('obj')['nested'].X[1]]")).toBe(2);
    expect(code(() => ev("[parameters('obj').missing]"))).toBe('ERR_ARM_PROPERTY_NOT_FOUND');
    try {
      ev("[parameters('obj').missing]");
    } catch (e) {
      expect((e as Error).message).toBe("The language expression property 'missing' doesn't exist, available properties are 'a, Nested'.");
    }
    expect(code(() => ev("[parameters('obj').Nested.x[2]]"))).toBe('ERR_ARM_EXPRESSION_EVAL');
  });
  it('resourceId with optional subscription and resource group', () => {
    expect(ev("[resourceId('Microsoft.Web/sites', 'app')]")).toBe('/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Web/sites/app');
    expect(ev("[resourceId('other-rg', 'Microsoft.Web/sites/config', 'app', 'web')]")).toBe('/subscriptions/sub-1/resourceGroups/other-rg/providers/Microsoft.Web/sites/app/config/web');
    expect(ev("[resourceId('s2', 'rg2', 'Microsoft.Web/sites', 'app')]")).toBe('/subscriptions/s2/resourceGroups/rg2/providers/Microsoft.Web/sites/app');
    expect(code(() => ev("[resourceId('Microsoft.Web/sites/config', 'app')]"))).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
    expect(ev("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r1')]")).toBe('/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/r1');
  });
  it('scope functions', () => {
    expect(ev('[subscription()]')).toEqual({ id: '/subscriptions/sub-1', subscriptionId: 'sub-1', tenantId: 'tenant-1', displayName: 'Trustline' });
    expect(ev('[resourceGroup()]')).toEqual({
      id: '/subscriptions/sub-1/resourceGroups/rg-1',
      name: 'rg-1',
      type: 'Microsoft.Resources/resourceGroups',
      location: 'westeurope',
      tags: {},
      properties: { provisioningState: 'Succeeded' },
    });
    expect(ev('[subscription().tenantId]')).toBe('tenant-1');
    expect(ev('[tenant().tenantId]')).toBe('tenant-1');
    expect(ev('[environment().suffixes.storage]')).toBe('core.windows.net');
    expect(ev('[environment().authentication.loginEndpoint]')).toBe('https://login.microsoftonline.com/');
    expect(ev('[deployment().name]')).toBe('dep-1');
    expect(ev("[reference('x', '2022-01-01', 'Full')]")).toEqual({ target: 'x', api: '2022-01-01', full: true });
    expect(ev("[reference('x')]")).toEqual({ target: 'x', api: null, full: false });
  });
  it('unknown functions: strict error naming the function; loose → warning + null', () => {
    try {
      ev("[concat('a', fancyFunc(1))]");
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_ARM_FUNCTION_UNKNOWN');
      expect((e as Error).message).toBe("The template function 'fancyFunc' is not valid. Please see https://aka.ms/arm-functions for usage details.");
      expect((e as { details: unknown }).details).toEqual({ function: 'fancyFunc', offset: 13 });
    }
    const ctx = testContext({ loose: true });
    expect(ev("[concat('a', fancyFunc(1))]", ctx)).toBe('a');
    expect(ctx.warnings).toEqual(["The template function 'fancyFunc' is not valid. Please see https://aka.ms/arm-functions for usage details. (loose mode: evaluated as null)"]);
  });
  it('arity is checked', () => {
    expect(code(() => ev("[toLower('a', 'b')]"))).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
    expect(code(() => ev("[and(true())]"))).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
  });
  it('arm trap 5: numeric functions truncate toward zero', () => {
    expect(ev('[div(6, 11)]')).toBe(0);
    expect(ev('[div(-7, 2)]')).toBe(-3);
    expect(ev('[mod(20, 7)]')).toBe(6);
    expect(ev('[add(1, mul(2, 3))]')).toBe(7);
    expect(ev("[greater('A', 'a')]")).toBe(true);
    expect(ev("[less('A', 'a')]")).toBe(false);
  });
});

/**
 * One case (or more) per overload of every function of the twin's ARM catalogue, and the coded error for a
 * misuse. A test checks that every registered function has a case here.
 */
import { describe, expect, it } from 'vitest';
import { functionNames } from '../../src/arm/expressions/index.js';
import type { EvalContext } from '../../src/arm/expressions/index.js';
import { ev, testContext } from './helpers/expr.js';

type Case = [expression: string, expected: unknown] | [expression: string, error: { code: string }];

const mg = testContext({ scope: { subscriptionId: 'sub-1', resourceGroup: 'rg-1', location: 'westeurope', tenantId: 'tenant-1', kind: 'managementGroup', managementGroup: 'mg-1' } });
const sub = testContext({ scope: { subscriptionId: 'sub-1', resourceGroup: 'rg-1', location: 'westeurope', tenantId: 'tenant-1', kind: 'subscription' } });
const tenant = testContext({ scope: { subscriptionId: 'sub-1', resourceGroup: 'rg-1', location: 'westeurope', tenantId: 'tenant-1', kind: 'tenant' } });
const withDefaults = testContext({ parameterDefault: { now: () => Date.UTC(2024, 1, 29, 13, 5, 9), newGuid: () => 'c7a4f2c0-1111-4a22-8b33-444455556666' } });

const CASES: Record<string, Array<Case | [string, unknown, EvalContext]>> = {
  concat: [["[concat('a', 1, true())]", 'a1True'], ["[concat(createArray(1), createArray(2, 3))]", [1, 2, 3]], ['[concat()]', ''], ["[concat('a', createArray(1))]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  format: [["[format('{0}-{1:D3}-{2,4}|{3,-3}|{{x}}', 'a', 7, 'b', 'c')]", 'a-007-   b|c  |{x}'], ["[format('{0:N2}', json('1234.5'))]", '1,234.50'], ["[format('{0:Q}', 1)]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }], ["[format('{0:x}', 255)]", 'ff'], ["[format('{1}', 'a')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  toLower: [["[toLower('AbC')]", 'abc']],
  toUpper: [["[toUpper('AbC')]", 'ABC']],
  trim: [["[trim('  a b  ')]", 'a b']],
  replace: [["[replace('aXbXc', 'X', '--')]", 'a--b--c'], ["[replace('abc', '', 'z')]", 'abc']],
  startsWith: [["[startsWith('abcdef', 'AB')]", true]],
  endsWith: [["[endsWith('abcdef', 'EF')]", true]],
  // The Bicep compiler's own samples (Functions_LF baseline) and Azure/bicep#18263's examples; #19885: an end-anchored
  // segment that also occurs earlier ('abcabc', '*abc').
  like: [
    ["[like('abc', 'abc')]", true],
    ["[like('abcdef', 'a*c*')]", true],
    ["[like('abcabc', '*abc')]", true],
    ["[like('aXaYa', 'a*a')]", true],
    ["[like('', '***')]", true],
    ["[like('a', 'b')]", false],
    ["[like('abc**def', '*def')]", true],
    ["[like('aXbYa', 'a*b*a')]", true],
    ["[like('OneTwoThree', '*Two*')]", true],
    ["[like('OneTwoThree', 'Two*')]", false],
    ["[like('ONETWO', 'one*')]", true],
    ["[like('a', 'a*a')]", false],
    ["[like('abc', 'a?c')]", false],
    ["[like('abc', '')]", false],
    ["[like(1, '*')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }],
  ],
  base64: [["[base64('é')]", 'w6k=']],
  base64ToString: [["[base64ToString('w6k=')]", 'é'], ["[base64ToString('%%')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  base64ToJson: [["[base64ToJson(base64('{\"a\": [1, 9223372036854775807]}'))]", { a: [1, 9223372036854775807n] }]],
  dataUriToString: [["[dataUriToString('data:text/plain;charset=utf8;base64,SGVsbG8=')]", 'Hello'], ["[dataUriToString('data:,a%20b')]", 'a b'], ["[dataUriToString('nope')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  uriComponent: [["[uriComponent('a b/!*()''')]", 'a%20b%2F%21%2A%28%29%27'], ["[uriComponent(concat('x', last('\u{1F600}')))]", 'x%EF%BF%BD'], ["[uriComponent('\u{1F600}')]", '%F0%9F%98%80']],
  uriComponentToString: [["[uriComponentToString('a%20b%2Fc%zz')]", 'a b/c%zz']],
  dataUri: [["[dataUri('Hello')]", 'data:text/plain;charset=utf8;base64,SGVsbG8=']],
  uniqueString: [["[uniqueString('test')]", 'rbgf3xv4ufgzg'], ["[uniqueString('hello', 'world')]", 'a7wkljktk6wne'], ['[uniqueString(1)]', { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  guid: [["[guid('abc')]", 'a9b46cc2-65a6-5559-9f14-7091827ab32f'], ["[guid('a', 'b', 'c')]", 'a98fa280-e03f-5afa-8d8e-92d0a9c201e8']],
  uri: [["[uri('http://contoso.org/firstpath', 'myscript.sh')]", 'http://contoso.org/myscript.sh'], ["[uri('nope', 'x')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  split: [["[split('a,b;c', createArray(',', ';'))]", ['a', 'b', 'c']], ["[split('a,,b', ',')]", ['a', '', 'b']]],
  substring: [["[substring('abcdef', 2)]", 'cdef'], ["[substring('abcdef', 1, 2)]", 'bc'], ["[substring('abc', 0, 4)]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  indexOf: [["[indexOf('FOOBAR', 'bar')]", 3], ["[indexOf(createArray('FOO', createArray(1)), createArray(1))]", 1], ["[indexOf(createArray('FOO'), 'foo')]", -1]],
  lastIndexOf: [["[lastIndexOf('abab', 'B')]", 3], ['[lastIndexOf(createArray(1, 2, 1), 1)]', 2]],
  padLeft: [["[padLeft(7, 3, '0')]", '007'], ["[padLeft('abcd', 2)]", 'abcd'], ["[padLeft('a', 3, 'xy')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  join: [["[join(createArray('a', 1, true()), '-')]", 'a-1-True']],
  string: [["[string(createObject('a', 1))]", '{"a":1}'], ['[string(true())]', 'True'], ['[string(null())]', '']],
  createArray: [["[createArray(1, 'a')]", [1, 'a']], ['[createArray()]', []]],
  array: [['[array(1)]', [1]], ['[array(createArray(1))]', [1]]],
  createObject: [["[createObject('a', 1, 'b', null())]", { a: 1, b: null }], ["[createObject('a')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }], ["[createObject('a', 1, 'b')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  contains: [["[contains('FOOBAR', 'foo')]", false], ["[contains(createObject('a', 1), 'A')]", true], ["[contains(createArray('FOO'), 'foo')]", false]],
  empty: [['[empty(null())]', true], ["[empty('')]", true], ['[empty(createObject())]', true], ['[empty(createArray(0))]', false]],
  length: [["[length('abc')]", 3], ['[length(createArray(1, 2))]', 2], ["[length(createObject('a', 1))]", 1]],
  first: [["[first('abc')]", 'a'], ['[first(createArray())]', null]],
  last: [["[last('abc')]", 'c'], ['[last(createArray(1, 2))]', 2]],
  skip: [["[skip('abc', -1)]", 'abc'], ['[skip(createArray(1, 2, 3), 5)]', []]],
  take: [["[take('abc', 10)]", 'abc'], ['[take(createArray(1, 2, 3), 0)]', []]],
  union: [["[union(createObject('a', createObject('x', 1, 'y', 2)), createObject('a', createObject('y', 3)))]", { a: { x: 1, y: 3 } }], ['[union(createArray(1, 2), createArray(2, 3))]', [1, 2, 3]]],
  intersection: [["[intersection(createObject('a', 1, 'b', 2), createObject('a', 1, 'b', 3))]", { a: 1 }]],
  range: [['[range(-2, 3)]', [-2, -1, 0]], ['[range(0, 10001)]', { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }], ['[range(2147483647, 1)]', { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  flatten: [['[flatten(createArray(createArray(1, 2), createArray(3)))]', [1, 2, 3]]],
  json: [["[json('{''a'': 1, b: [true, null], // comment\n}')]", { a: 1, b: [true, null] }], ["[json('null')]", null], ["[json('{')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }], ["[json('.25')]", 0.25], ["[json('-.5')]", -0.5], ["[json('[5.]')]", [5]], ["[json('.')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  null: [['[null()]', null]],
  tryGet: [["[tryGet(createObject('a', createArray(1, 2)), 'A', 1)]", 2], ["[tryGet(createObject('a', 1), 'b')]", null]],
  objectKeys: [["[objectKeys(createObject('b', 1, 'a', 2))]", ['b', 'a']]],
  items: [["[items(createObject('ABCKey', 1, 'abcKey', 2, '123Key', 3))]", [{ key: '123Key', value: 3 }, { key: 'abcKey', value: 2 }, { key: 'ABCKey', value: 1 }]]],
  shallowMerge: [["[shallowMerge(createArray(createObject('a', createObject('x', 1)), createObject('a', createObject('y', 2), 'b', 3)))]", { a: { y: 2 }, b: 3 }]],
  distinct: [["[distinct(createArray(1, '1', 1, createArray(2), createArray(2)))]", [1, '1', [2]]]],
  indexFromEnd: [['[indexFromEnd(createArray(1, 2, 3), 1)]', 3], ['[indexFromEnd(createArray(1), 2)]', { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  tryIndexFromEnd: [['[tryIndexFromEnd(createArray(1, 2, 3), 3)]', 1], ['[tryIndexFromEnd(createArray(1), 2)]', null]],
  if: [["[if(true(), 'a', fail('never'))]", 'a']],
  and: [["[and(false(), fail('never'))]", false], ['[and(true(), true(), true())]', true]],
  or: [["[or(true(), fail('never'))]", true]],
  coalesce: [["[coalesce(null(), '', 'x')]", '']],
  not: [['[not(false())]', true]],
  true: [['[true()]', true]],
  false: [['[false()]', false]],
  bool: [["[bool('TRUE')]", true], ['[bool(0)]', false], ["[bool('yes')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  equals: [["[equals(1, '1')]", false], ["[equals(createObject('a', createArray(1)), createObject('a', createArray(1)))]", true]],
  less: [["[less('A', 'a')]", false], ['[less(1, 2)]', true], ["[less(1, '2')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  lessOrEquals: [["[lessOrEquals('a', 'a')]", true]],
  greater: [["[greater('A', 'a')]", true]],
  greaterOrEquals: [['[greaterOrEquals(2, 2)]', true]],
  int: [["[int('-42')]", -42], ["[int('9223372036854775807')]", 9223372036854775807n], ["[int('4.5')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  float: [["[float('1.5')]", 1.5], ['[float(2)]', 2]],
  add: [['[add(9007199254740991, 2)]', 9007199254740993n], ['[add(9223372036854775807, 1)]', { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  sub: [['[sub(-9223372036854775807, 1)]', -9223372036854775808n]],
  mul: [['[mul(-3, 4)]', -12]],
  div: [['[div(-7, 2)]', -3], ['[div(6, 11)]', 0], ['[div(1, 0)]', { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  mod: [['[mod(-7, 2)]', -1], ['[mod(20, 7)]', 6]],
  min: [['[min(createArray(3, -1))]', -1], ['[min(3, 9223372036854775807)]', 3]],
  max: [['[max(1, 9223372036854775807)]', 9223372036854775807n]],
  resourceId: [
    ["[resourceId('Microsoft.Web/sites/config', 'app', 'web')]", '/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Web/sites/app/config/web'],
    ["[resourceId('other-rg', 'Microsoft.Web/sites', 'app')]", '/subscriptions/sub-1/resourceGroups/other-rg/providers/Microsoft.Web/sites/app'],
    ["[resourceId('s2', 'other-rg', 'Microsoft.Web/sites', 'app')]", '/subscriptions/s2/resourceGroups/other-rg/providers/Microsoft.Web/sites/app'],
    ["[resourceId('Microsoft.Authorization/roleDefinitions', 'r')]", '/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/r', sub],
    ["[resourceId('Microsoft.Authorization/policyDefinitions', 'p')]", '/providers/Microsoft.Management/managementGroups/mg-1/providers/Microsoft.Authorization/policyDefinitions/p', mg],
    ["[resourceId('Microsoft.Web/sites', 'a', 'b')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }],
  ],
  subscriptionResourceId: [
    ["[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r')]", '/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/r'],
    ["[subscriptionResourceId('s2', 'Microsoft.Resources/resourceGroups', 'g')]", '/subscriptions/s2/resourceGroups/g'],
  ],
  tenantResourceId: [["[tenantResourceId('Microsoft.Management/managementGroups', 'm')]", '/providers/Microsoft.Management/managementGroups/m']],
  managementGroupResourceId: [
    ["[managementGroupResourceId('Microsoft.Authorization/policyDefinitions', 'p')]", '/providers/Microsoft.Management/managementGroups/mg-1/providers/Microsoft.Authorization/policyDefinitions/p', mg],
    ["[managementGroupResourceId('m2', 'Microsoft.Authorization/policyDefinitions', 'p')]", '/providers/Microsoft.Management/managementGroups/m2/providers/Microsoft.Authorization/policyDefinitions/p'],
  ],
  extensionResourceId: [["[extensionResourceId('/subscriptions/s/resourceGroups/g/', 'Microsoft.Authorization/locks', 'l')]", '/subscriptions/s/resourceGroups/g/providers/Microsoft.Authorization/locks/l']],
  reference: [["[reference('st1', '2022-09-01', 'Full')]", { target: 'st1', api: '2022-09-01', full: true }], ["[reference('st1')]", { target: 'st1', api: null, full: false }]],
  references: [["[references('loop')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  listOutputsWithSecureValues: [["[listOutputsWithSecureValues('dep', '2022-09-01')]", { action: 'listOutputsWithSecureValues', target: 'dep', api: '2022-09-01', body: null }]],
  pickZones: [["[pickZones('Microsoft.Compute', 'virtualMachines', 'West Europe', 2)]", ['1', '2']], ["[pickZones('Microsoft.Compute', 'virtualMachines', 'westus2', 3, 1)]", ['2', '3']], ["[pickZones('Microsoft.Compute', 'virtualMachines', 'northcentralus')]", []], ["[pickZones('Microsoft.Web', 'sites', 'westus2')]", []]],
  providers: [["[providers('Microsoft.Web', 'sites').resourceType]", 'sites']],
  roleDefinitions: [["[roleDefinitions('Reader').roleDefinitionId]", 'acdd72a7-3385-48ef-bd42-f606fba81ae7'], ["[roleDefinitions('No Such Role')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  toPhysicalZone: [["[toPhysicalZone('sub-1', 'West Europe', '2')]", 'westeurope-az2']],
  toLogicalZone: [["[toLogicalZone('sub-1', 'westeurope', 'westeurope-az3')]", '3'], ["[toLogicalZone('sub-1', 'westeurope', 'eastus-az1')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  toPhysicalZones: [["[toPhysicalZones('sub-1', 'westeurope', createArray('1', '2'))]", ['westeurope-az1', 'westeurope-az2']]],
  toLogicalZones: [["[toLogicalZones('sub-1', 'westeurope', createArray('westeurope-az1'))]", ['1']]],
  parameters: [["[parameters('SITENAME')]", 'app']],
  variables: [["[variables('planName')]", 'plan-1']],
  deployment: [['[deployment().name]', 'dep-1']],
  environment: [['[environment().suffixes.storage]', 'core.windows.net']],
  subscription: [['[subscription().id]', '/subscriptions/sub-1'], ['[subscription()]', { code: 'ERR_ARM_EXPRESSION_EVAL' }, mg] as never],
  resourceGroup: [['[resourceGroup().name]', 'rg-1'], ['[resourceGroup()]', { code: 'ERR_ARM_EXPRESSION_EVAL' }, sub] as never],
  managementGroup: [['[managementGroup().name]', 'mg-1', mg], ["[managementGroup('other').id]", '/providers/Microsoft.Management/managementGroups/other'], ['[managementGroup()]', { code: 'ERR_ARM_EXPRESSION_EVAL' }, tenant] as never],
  tenant: [['[tenant().tenantId]', 'tenant-1']],
  deployer: [['[deployer().tenantId]', 'tenant-1'], ['[length(deployer().objectId)]', 36]],
  fail: [["[fail('stop here')]", { code: 'ERR_ARM_EXPRESSION_EVAL' }]],
  copyIndex: [['[copyIndex()]', 2], ['[copyIndex(1)]', 3], ["[copyIndex('loop', 2)]", 4]],
  newGuid: [['[newGuid()]', 'c7a4f2c0-1111-4a22-8b33-444455556666', withDefaults], ['[newGuid()]', { code: 'ERR_ARM_EXPRESSION_EVAL' }]],
  lambda: [["[lambda('x', 1)]", { code: 'ERR_ARM_EXPRESSION_EVAL' }]],
  lambdaVariables: [["[lambdaVariables('x')]", { code: 'ERR_ARM_EXPRESSION_EVAL' }]],
  filter: [["[filter(range(0, 6), lambda('x', 'i', equals(mod(lambdaVariables('i'), 2), 0)))]", [0, 2, 4]], ['[filter(createArray(1), 1)]', { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  map: [["[map(createArray('a', 'b'), lambda('x', 'i', concat(lambdaVariables('x'), string(lambdaVariables('i')))))]", ['a0', 'b1']]],
  reduce: [["[reduce(createArray(1, 2, 3), 10, lambda('acc', 'x', 'i', add(add(lambdaVariables('acc'), lambdaVariables('x')), lambdaVariables('i'))))]", 19]],
  sort: [["[sort(createArray('b', 'a', 'C'), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]", ['a', 'b', 'C']]],
  toObject: [["[toObject(createArray('a', 'b'), lambda('x', lambdaVariables('x')), lambda('x', length(lambdaVariables('x'))))]", { a: 1, b: 1 }]],
  groupBy: [["[groupBy(createArray('apple', 'avocado', 'banana'), lambda('x', substring(lambdaVariables('x'), 0, 1)))]", { a: ['apple', 'avocado'], b: ['banana'] }], ["[groupBy(createArray('ab', 'ac'), lambda('x', first(lambdaVariables('x'))), lambda('x', last(lambdaVariables('x'))))]", { a: ['b', 'c'] }]],
  mapValues: [["[mapValues(createObject('a', 1, 'b', 2), lambda('v', mul(lambdaVariables('v'), 10)))]", { a: 10, b: 20 }]],
  utcNow: [['[utcNow()]', '20240229T130509Z', withDefaults], ["[utcNow('yyyy-MM-ddTHH:mm:ss.fffK')]", '2024-02-29T13:05:09.000Z', withDefaults], ["[utcNow('D')]", 'Thursday, 29 February 2024', withDefaults], ['[utcNow()]', { code: 'ERR_ARM_EXPRESSION_EVAL' }]],
  dateTimeAdd: [["[dateTimeAdd('2024-01-31T00:00:00Z', 'P1M')]", '2024-02-29T00:00:00Z'], ["[dateTimeAdd('2020-04-07T14:53:14Z', 'PT1H30M', 'yyyy-MM-dd HH:mm')]", '2020-04-07 16:23'], ["[dateTimeAdd('x', 'P1D')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }], ["[dateTimeAdd('2020-01-01', 'P')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  dateTimeToEpoch: [["[dateTimeToEpoch('1970-01-02T00:00:00+01:00')]", 82800]],
  dateTimeFromEpoch: [['[dateTimeFromEpoch(0)]', '1970-01-01T00:00:00Z']],
  parseCidr: [["[parseCidr('10.0.0.7/31')]", { network: '10.0.0.6', netmask: '255.255.255.254', broadcast: '10.0.0.7', firstUsable: '10.0.0.6', lastUsable: '10.0.0.7', cidr: 31 }], ["[parseCidr('10.0.0.0/33')]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  cidrSubnet: [["[cidrSubnet('10.0.0.0/16', 24, 255)]", '10.0.255.0/24'], ["[cidrSubnet('10.0.0.0/16', 24, 256)]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  cidrHost: [["[cidrHost('192.168.1.0/24', 253)]", '192.168.1.254'], ["[cidrHost('192.168.1.0/24', 254)]", { code: 'ERR_ARM_FUNCTION_ARGUMENTS' }]],
  parseUri: [["[parseUri('https://www.contoso.com:8443/a/b?x=1')]", { scheme: 'https', host: 'www.contoso.com', port: 8443, path: '/a/b', query: '?x=1' }], ["[parseUri('https://contoso.com').port]", 443]],
  buildUri: [["[buildUri(createObject('scheme', 'https', 'host', 'contoso.com', 'port', 443, 'path', 'a', 'query', 'x=1'))]", 'https://contoso.com/a?x=1'], ["[buildUri(createObject('scheme', 'http', 'host', 'h', 'port', 8080, 'path', '/p'))]", 'http://h:8080/p']],
};

function run(expression: string, ctx: EvalContext | undefined): { value?: unknown; code?: string } {
  try {
    return { value: ev(expression, ctx) };
  } catch (e) {
    return { code: (e as { code: string }).code };
  }
}

describe('every function of the ARM catalogue, per overload', () => {
  it('has cases for every registered function', () => {
    const missing = functionNames().filter((n) => !(n in CASES));
    expect(missing).toEqual([]);
  });
  for (const [fn, cases] of Object.entries(CASES)) {
    it(fn, () => {
      for (const [expression, expected, ctx] of cases as Array<[string, unknown, EvalContext?]>) {
        const got = run(expression, ctx);
        if (expected !== null && typeof expected === 'object' && 'code' in (expected as object) && Object.keys(expected as object).length === 1) {
          expect({ expression, code: got.code }).toEqual({ expression, code: (expected as { code: string }).code });
        } else {
          expect({ expression, value: got.value, code: got.code }).toEqual({ expression, value: expected, code: undefined });
        }
      }
    });
  }
});

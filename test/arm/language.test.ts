/**
 * The template language of issue 5: languageVersion 2.0 (symbolic names, existing, definitions, user-defined
 * functions), nested and linked deployments, scopes, conditions, 64-bit integers.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploy, loadTemplateFile } from '../../src/arm/index.js';
import { RG, SCOPE, setup } from './helpers/seed.js';

function caught(fn: () => unknown): { code: string; message: string; location?: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected an error');
}

const MI = 'Microsoft.ManagedIdentity/userAssignedIdentities';
const identity = (name: string, extra: Record<string, unknown> = {}) => ({ type: MI, apiVersion: '2023-01-31', name, location: 'westeurope', ...extra });

describe('languageVersion 2.0', () => {
  it('deploys symbolic-name resources in dependsOn order, with reference() and references() by symbolic name', () => {
    const { store, options } = setup();
    const template = {
      languageVersion: '2.0',
      resources: {
        second: identity('id-second', { dependsOn: ['first'], tags: { firstPrincipal: "[reference('first').principalId]" } }),
        first: identity('id-first'),
        many: identity("[format('id-many-{0}', copyIndex())]", { copy: { name: 'many', count: 2 } }),
      },
      outputs: {
        principals: { type: 'array', value: "[map(references('many'), lambda('r', lambdaVariables('r').principalId))]" },
        one: { type: 'string', value: "[reference('many[1]').principalId]" },
      },
    };
    const r = deploy({ deploymentName: 'lv2', template }, options);
    const first = store.getResource(`${RG}/providers/${MI}/id-first`)!;
    expect(r.resources.indexOf(first.id)).toBeLessThan(r.resources.indexOf(`${RG}/providers/${MI}/id-second`));
    expect(store.getResource(`${RG}/providers/${MI}/id-second`)!.tags).toEqual({ firstPrincipal: first.properties['principalId'] });
    const many = [0, 1].map((i) => store.getResource(`${RG}/providers/${MI}/id-many-${i}`)!.properties['principalId']);
    expect(r.outputs['principals']!.value).toEqual(many);
    expect(r.outputs['one']!.value).toBe(many[1]);
  });

  it('resources as an object of symbolic names need a languageVersion; without one they are refused, and nothing is written', () => {
    const { store, options } = setup();
    const template = { resources: { first: identity('id-unversioned') } };
    const e = caught(() => deploy({ deploymentName: 'nolv', template }, options));
    expect(e.code).toBe('ERR_ARM_TEMPLATE_INVALID');
    expect(e.message).toContain('needs "languageVersion": "2.0"');
    expect(store.getResource(`${RG}/providers/${MI}/id-unversioned`)).toBeUndefined();
    // the same resources with the language version deploy
    deploy({ deploymentName: 'lv2ok', template: { languageVersion: '2.0', ...template } }, options);
    expect(store.getResource(`${RG}/providers/${MI}/id-unversioned`)).toBeDefined();
  });

  it('reads existing resources and never writes them; a missing one is ResourceNotFound when referenced', () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'pre', template: { resources: [identity('id-old')] } }, options);
    const before = store.getResource(`${RG}/providers/${MI}/id-old`)!;
    const template = {
      languageVersion: '2.0',
      resources: { old: { ...identity('id-old'), existing: true, tags: { changed: 'yes' } } },
      outputs: { p: { type: 'string', value: "[reference('old').principalId]" } },
    };
    const r = deploy({ deploymentName: 'ex', template }, options);
    expect(r.outputs['p']!.value).toBe(before.properties['principalId']);
    expect(store.getResource(before.id)).toEqual(before);
    const missing = { languageVersion: '2.0', resources: { gone: { ...identity('id-gone'), existing: true } }, outputs: { p: { type: 'string', value: "[reference('gone').principalId]" } } };
    expect(caught(() => deploy({ deploymentName: 'ex2', template: missing }, options)).code).toBe('ERR_ARM_RESOURCE_NOT_FOUND');
  });

  it('validates parameters and outputs against definitions: $ref, sealed, discriminator, nullable, constraints', () => {
    const { options } = setup();
    const template = {
      languageVersion: '2.0',
      definitions: {
        port: { type: 'int', minValue: 1, maxValue: 65535 },
        endpoint: { type: 'object', sealed: true, properties: { host: { type: 'string' }, port: { $ref: '#/definitions/port' }, note: { type: 'string', nullable: true } } },
        animal: {
          type: 'object',
          discriminator: { propertyName: 'kind', mapping: { dog: { type: 'object', properties: { kind: { type: 'string' }, barks: { type: 'bool' } } }, fish: { type: 'object', properties: { kind: { type: 'string' }, fins: { type: 'int' } } } } },
        },
      },
      parameters: { ep: { $ref: '#/definitions/endpoint' }, pet: { $ref: '#/definitions/animal' }, maybe: { type: 'string', nullable: true } },
      resources: {},
      outputs: { ep: { $ref: '#/definitions/endpoint', value: "[parameters('ep')]" }, maybe: { type: 'string', nullable: true, value: "[parameters('maybe')]" } },
    };
    const good = { ep: { value: { host: 'a', port: 443 } }, pet: { value: { kind: 'fish', fins: 2 } } };
    const r = deploy({ deploymentName: 't', template, parameters: good }, options);
    expect(r.outputs['ep']!.value).toEqual({ host: 'a', port: 443 });
    expect(r.outputs['maybe']!.value).toBeNull();
    const bad = (parameters: Record<string, unknown>) => caught(() => deploy({ deploymentName: 't', template, parameters }, options));
    expect(bad({ ...good, ep: { value: { host: 'a', port: 0 } } }).message).toContain("less than the minimum value '1'");
    expect(bad({ ...good, ep: { value: { host: 'a', port: 1, extra: true } } }).message).toContain("'extra'");
    expect(bad({ ...good, ep: { value: { port: 1 } } }).message).toContain("required property 'host'");
    expect(bad({ ...good, pet: { value: { kind: 'cat' } } }).message).toContain("discriminator 'kind'");
    expect(bad({ ...good, pet: { value: { kind: 'dog', barks: 'loud' } } }).code).toBe('ERR_ARM_PARAMETER_INVALID');
  });

  it('runs user-defined functions: classic namespaces (parameters only) and 2.0 functions that call each other', () => {
    const { options } = setup();
    const classic = {
      functions: [{ namespace: 'contoso', members: { uniqueName: { parameters: [{ name: 'prefix', type: 'string' }], output: { type: 'string', value: "[concat(toLower(parameters('prefix')), '-x')]" } } } }],
      variables: { v: 1 },
      resources: [],
      outputs: { n: { type: 'string', value: "[contoso.uniqueName('ABC')]" } },
    };
    expect(deploy({ deploymentName: 'u', template: classic }, options).outputs['n']!.value).toBe('abc-x');
    const usesVariable = structuredClone(classic);
    usesVariable.functions[0]!.members.uniqueName.output.value = "[variables('v')]";
    expect(caught(() => deploy({ deploymentName: 'u', template: usesVariable }, options)).message).toContain('only see their parameters');
    const lv2 = {
      languageVersion: '2.0',
      functions: [
        {
          namespace: '__bicep',
          members: {
            double: { parameters: [{ name: 'n', type: 'int' }], output: { type: 'int', value: "[mul(parameters('n'), 2)]" } },
            quad: { parameters: [{ name: 'n', type: 'int' }], output: { type: 'int', value: "[__bicep.double(__bicep.double(parameters('n')))]" } },
          },
        },
      ],
      resources: {},
      outputs: { q: { type: 'int', value: '[__bicep.quad(5)]' } },
    };
    expect(deploy({ deploymentName: 'u2', template: lv2 }, options).outputs['q']!.value).toBe(20);
    const wrongType = { ...lv2, outputs: { q: { type: 'int', value: "[__bicep.quad('5')]" } } };
    expect(caught(() => deploy({ deploymentName: 'u3', template: wrongType }, options)).code).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
  });
});

describe('nested and linked deployments', () => {
  const nested = (scope: 'inner' | 'outer', extra: Record<string, unknown> = {}) => ({
    type: 'Microsoft.Resources/deployments',
    apiVersion: '2022-09-01',
    name: 'child',
    properties: {
      mode: 'Incremental',
      expressionEvaluationOptions: { scope },
      parameters: { who: { value: "[parameters('who')]" } },
      template: {
        parameters: { who: { type: 'string', defaultValue: 'nested default' } },
        variables: { exampleVar: 'from nested template' },
        resources: [identity("[concat('id-', parameters('who'))]")],
        outputs: { said: { type: 'string', value: "[variables('exampleVar')]" }, principal: { type: 'string', value: "[reference(concat('id-', parameters('who'))).principalId]" } },
      },
      ...extra,
    },
  });
  const parent = (scope: 'inner' | 'outer') => ({
    parameters: { who: { type: 'string', defaultValue: 'parent' } },
    variables: { exampleVar: 'from parent template' },
    resources: [nested(scope)],
    outputs: { said: { type: 'string', value: "[reference('child').outputs.said.value]" } },
  });

  it("inner scope: the nested template's own parameters and variables; outputs through reference('name').outputs", () => {
    const { store, options } = setup();
    const r = deploy({ deploymentName: 'p', template: parent('inner') }, options);
    expect(r.outputs['said']!.value).toBe('from nested template');
    const child = store.getResource(`${RG}/providers/Microsoft.Resources/deployments/child`)!;
    expect(child.properties['outputs']).toMatchObject({ said: { type: 'String', value: 'from nested template' } });
    expect(store.getResource(`${RG}/providers/${MI}/id-parent`)).toBeDefined();
    expect(r.resources).toEqual([`${RG}/providers/${MI}/id-parent`, child.id]);
  });

  it("arm trap 17: outer scope: parameters and variables are the parent's (as ARM's docs show)", () => {
    const { options } = setup();
    const r = deploy({ deploymentName: 'p', template: parent('outer') }, options);
    expect(r.outputs['said']!.value).toBe('from parent template');
    expect(r.warnings.some((w) => /outer expression scope: its 'parameters' section is ignored/.test(w))).toBe(true);
  });

  it('linked templates: templateLink.relativePath next to the parent file, uri from deployment().properties.templateLink', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-linked-'));
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'child.json'), JSON.stringify({ parameters: { n: { type: 'string' } }, resources: [identity("[parameters('n')]")], outputs: { link: { type: 'string', value: '[deployment().properties.templateLink.uri]' } } }));
    const parentTemplate = {
      parameters: { _artifactsLocation: { type: 'string', defaultValue: '[deployment().properties.templateLink.uri]' } },
      resources: [
        { type: 'Microsoft.Resources/deployments', apiVersion: '2022-09-01', name: 'byPath', properties: { mode: 'Incremental', templateLink: { relativePath: 'nested/child.json' }, parameters: { n: { value: 'id-a' } } } },
        { type: 'Microsoft.Resources/deployments', apiVersion: '2022-09-01', name: 'byUri', properties: { mode: 'Incremental', templateLink: { uri: "[uri(parameters('_artifactsLocation'), 'nested/child.json')]" }, parameters: { n: { value: 'id-b' } } } },
        { type: 'Microsoft.Resources/deployments', apiVersion: '2022-09-01', name: 'web', properties: { mode: 'Incremental', templateLink: { uri: 'https://example.com/t.json' } }, condition: false },
      ],
      outputs: { a: { type: 'string', value: "[reference('byPath').outputs.link.value]" } },
    };
    writeFileSync(join(dir, 'main.json'), JSON.stringify(parentTemplate));
    const { store, options } = setup();
    const r = deploy({ deploymentName: 'main', template: loadTemplateFile(join(dir, 'main.json')) }, options);
    expect(store.getResource(`${RG}/providers/${MI}/id-a`)).toBeDefined();
    expect(store.getResource(`${RG}/providers/${MI}/id-b`)).toBeDefined();
    expect(r.outputs['a']!.value).toMatch(/^file:\/\/.*\/nested\/child\.json$/);
    const offline = { ...parentTemplate, resources: [{ ...parentTemplate.resources[2], condition: true }] };
    writeFileSync(join(dir, 'offline.json'), JSON.stringify(offline));
    expect(caught(() => deploy({ deploymentName: 'o', template: loadTemplateFile(join(dir, 'offline.json')) }, options)).code).toBe('ERR_ARM_TEMPLATE_UNSUPPORTED');
  });
});

describe('scopes', () => {
  it('a subscription template creates a resource group and deploys into it; ids at each scope', () => {
    const { store, options } = setup();
    const template = {
      $schema: 'https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#',
      resources: [
        { type: 'Microsoft.Resources/resourceGroups', apiVersion: '2022-09-01', name: 'rg-new', location: 'westeurope' },
        {
          type: 'Microsoft.Resources/deployments',
          apiVersion: '2022-09-01',
          name: 'intoRg',
          resourceGroup: 'rg-new',
          dependsOn: ["[resourceId('Microsoft.Resources/resourceGroups', 'rg-new')]"],
          properties: {
            mode: 'Incremental',
            expressionEvaluationOptions: { scope: 'inner' },
            template: { resources: [identity('id-in-rg')], outputs: { rg: { type: 'string', value: '[resourceGroup().id]' } } },
          },
        },
      ],
      outputs: {
        rgId: { type: 'string', value: "[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'rg-new')]" },
        atSub: { type: 'string', value: "[resourceId('Microsoft.Authorization/roleDefinitions', 'r1')]" },
        tenantId: { type: 'string', value: "[tenantResourceId('Microsoft.Management/managementGroups', 'mg1')]" },
        mgId: { type: 'string', value: "[managementGroupResourceId('mg1', 'Microsoft.Authorization/policyDefinitions', 'p1')]" },
        ext: { type: 'string', value: "[extensionResourceId('/subscriptions/s/resourceGroups/g', 'Microsoft.Authorization/locks', 'l1')]" },
        nestedRg: { type: 'string', value: "[reference('intoRg').outputs.rg.value]" },
      },
    };
    const r = deploy({ deploymentName: 'sub', template }, { ...options, loose: true });
    const sub = `/subscriptions/${SCOPE.subscriptionId}`;
    expect(store.getResource(`${sub}/resourceGroups/rg-new`)?.type).toBe('Microsoft.Resources/resourceGroups');
    expect(store.getResource(`${sub}/resourceGroups/rg-new/providers/${MI}/id-in-rg`)).toBeDefined();
    expect(store.getResource(`${sub}/providers/Microsoft.Resources/deployments/sub`)).toBeDefined();
    expect(r.outputs).toMatchObject({
      rgId: { value: `${sub}/resourceGroups/rg-new` },
      atSub: { value: `${sub}/providers/Microsoft.Authorization/roleDefinitions/r1` },
      tenantId: { value: '/providers/Microsoft.Management/managementGroups/mg1' },
      mgId: { value: '/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/policyDefinitions/p1' },
      ext: { value: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Authorization/locks/l1' },
      nestedRg: { value: `${sub}/resourceGroups/rg-new` },
    });
    const rgFunction = { ...template, resources: [], outputs: { x: { type: 'string', value: '[resourceGroup().id]' } } };
    expect(caught(() => deploy({ deploymentName: 's2', template: rgFunction }, options)).message).toContain('subscription scope');
  });

  it('an extension resource with scope gets its id under the scope resource', () => {
    const { store, options } = setup();
    const template = {
      resources: [
        identity('id-target'),
        {
          type: 'Microsoft.Authorization/locks',
          apiVersion: '2020-05-01',
          name: 'lock1',
          scope: `[format('${MI}/{0}', 'id-target')]`,
          dependsOn: [`[resourceId('${MI}', 'id-target')]`],
          properties: { level: 'CanNotDelete' },
        },
      ],
    };
    deploy({ deploymentName: 'ext', template }, { ...options, loose: true });
    expect(store.getResource(`${RG}/providers/${MI}/id-target/providers/Microsoft.Authorization/locks/lock1`)?.properties).toEqual({ level: 'CanNotDelete', provisioningState: 'Succeeded' });
  });
});

describe('conditions and integers', () => {
  it('arm trap 10: does not evaluate reference()/list*() in the body of a resource whose condition is false', () => {
    const { store, options } = setup();
    const template = {
      resources: [identity('id-cond', { condition: false, tags: { p: "[reference('id-missing').principalId]", k: "[listKeys('nothing', '2020-01-01').keys[0].value]" } })],
    };
    const r = deploy({ deploymentName: 'c', template }, options);
    expect(r.resources).toEqual([]);
    expect(store.getResource(`${RG}/providers/${MI}/id-cond`)).toBeUndefined();
  });

  it('arm trap 5: computes with 64-bit integers beyond 2^53 and reports overflow', () => {
    const { options } = setup();
    const template = {
      parameters: { big: { type: 'int', defaultValue: 9007199254740993 } },
      resources: [],
      outputs: {
        sum: { type: 'int', value: "[add(parameters('big'), 1)]" },
        max: { type: 'int', value: '[add(9223372036854775806, 1)]' },
        text: { type: 'string', value: "[string(mul(4294967296, 2147483647))]" },
        cmp: { type: 'bool', value: "[greater(parameters('big'), 9007199254740992)]" },
      },
    };
    const r = deploy({ deploymentName: 'i', template: { text: JSON.stringify(template).replace('"defaultValue":9007199254740992', '"defaultValue":9007199254740993'), file: 'ints.json' } }, options);
    expect(r.outputs['sum']!.value).toBe(9007199254740994n);
    expect(r.outputs['max']!.value).toBe(9223372036854775807n);
    expect(r.outputs['text']!.value).toBe('9223372032559808512');
    expect(r.outputs['cmp']!.value).toBe(true);
    const overflow = { resources: [], outputs: { o: { type: 'int', value: '[add(9223372036854775807, 1)]' } } };
    expect(caught(() => deploy({ deploymentName: 'o', template: overflow }, options)).message).toContain('64-bit');
  });
});

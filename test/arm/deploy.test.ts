import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { deletedByCompleteMode, deploy, loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import type { DeployInput } from '../../src/arm/index.js';
import { RG, SCOPE, SEED_PARAMETERS, SEED_TEMPLATE, seedText, setup, snapshot } from './helpers/seed.js';

const APIM_ID = `${RG}/providers/Microsoft.ApiManagement/service/trustline-apim`;

function seedInput(): DeployInput {
  return { deploymentName: 'seed', template: loadTemplateFile(SEED_TEMPLATE), parameters: loadParametersFile(SEED_PARAMETERS) };
}

function caught(fn: () => unknown): { code: string; message: string; location: unknown; details: unknown } {
  try {
    fn();
  } catch (e) {
    const err = e as { code: string; message: string; location: unknown; details: unknown };
    return { code: err.code, message: err.message, location: err.location, details: err.details };
  }
  throw new Error('expected an error');
}

describe('deploy: redeploy and history', () => {
  it('keeps the same principalId and clientId on redeploy, and records the deployment', () => {
    const { store, options } = setup();
    deploy(seedInput(), options);
    const first = store.getResource(APIM_ID)!.identity!;
    const second = deploy({ ...seedInput(), deploymentName: 'seed-2' }, options);
    expect(store.getResource(APIM_ID)!.identity).toEqual(first);
    expect(second.outputs['apimPrincipalId']).toEqual({ type: 'String', value: first.principalId });
    expect(store.listDirectoryObjects().filter((d) => d.kind === 'managedIdentity')).toHaveLength(1);
    expect(store.listDirectoryObjects().filter((d) => d.kind === 'application')).toHaveLength(1);

    const history = store.getResource(`${RG}/providers/Microsoft.Resources/deployments/seed-2`)!;
    expect(history.type).toBe('Microsoft.Resources/deployments');
    expect(history.properties['provisioningState']).toBe('Succeeded');
    expect(history.properties['mode']).toBe('Incremental');
    expect(history.properties['timestamp']).toBe('2026-11-29T12:00:00Z');
    expect(history.properties['parameters']).toEqual({
      sites_function_name: { type: 'String', value: 'trustline-func' },
      appClientId: { type: 'String', value: '6f1d2a4e-3b7c-4d8e-9f01-2a3b4c5d6e7f' },
      tenantID: { type: 'String', value: '3f9c2b1a-7d4e-4c6b-9a8f-1e2d3c4b5a69' },
      apimServiceName: { type: 'String', value: 'trustline-apim' },
      publisherEmail: { type: 'String', value: 'admin@contoso.com' },
      publisherName: { type: 'String', value: 'Contoso' },
      location: { type: 'String', value: 'westeurope' },
    });
    expect(history.properties['outputResources']).toEqual(second.resources.map((id) => ({ id })));
    expect(history.properties['outputs']).toEqual(second.outputs);
  });

  // ARM's history shows a secure parameter's type without its value (azure-xplat-cli issue 2786: `group deployment show`
  // lists `adminPassword  SecureString  undefined`); a secure output likewise.
  it('arm trap 16: keeps securestring parameters and secure outputs in the history as their type alone, without the value', () => {
    const { store, options } = setup();
    const template = {
      parameters: { secret: { type: 'securestring' }, plain: { type: 'string' } },
      resources: [],
      outputs: { s: { type: 'securestring', value: "[parameters('secret')]" }, p: { type: 'string', value: "[parameters('plain')]" } },
    };
    const result = deploy({ deploymentName: 'd', template, parameters: { secret: { value: 'hunter2' }, plain: { value: 'x' } } }, options);
    expect(result.outputs).toEqual({ s: { type: 'SecureString', value: 'hunter2' }, p: { type: 'String', value: 'x' } });
    const h = store.getResource(`${RG}/providers/Microsoft.Resources/deployments/d`)!;
    expect(h.properties['parameters']).toEqual({ secret: { type: 'SecureString' }, plain: { type: 'String', value: 'x' } });
    expect(h.properties['outputs']).toEqual({ s: { type: 'SecureString' }, p: { type: 'String', value: 'x' } });
    expect(JSON.stringify(h.properties)).not.toContain('hunter2');
  });
});

describe('deploy: failures leave the store unchanged', () => {
  it('unknown function → ERR_ARM_FUNCTION_UNKNOWN with file, JSON path, line:column', () => {
    const { store, options } = setup();
    deploy(seedInput(), options);
    const before = snapshot(store);
    const text = seedText().replace(
      '"displayName": "hello",',
      '"displayName": "[fancy(\'hello\')]",',
    );
    const err = caught(() => deploy({ deploymentName: 'bad', template: { text, file: '/tmp/t.json' }, parameters: loadParametersFile(SEED_PARAMETERS) }, options));
    expect(err.code).toBe('ERR_ARM_FUNCTION_UNKNOWN');
    expect(err.location).toEqual({ file: '/tmp/t.json', jsonPath: 'resources[5].properties.displayName', line: 170, column: 24 });
    expect(err.message).toBe(
      "The template resource 'Microsoft.ApiManagement/service/apis/operations/trustline-apim/functions/hello' at line '170' and column '24' is not valid: The template function 'fancy' is not valid. Please see https://aka.ms/arm-functions for usage details.",
    );
    expect(snapshot(store)).toEqual(before);
  });

  it('missing parameter → ERR_ARM_PARAMETER_MISSING at the parameter declaration', () => {
    const { store, options } = setup();
    const before = snapshot(store);
    const params = loadParametersFile(SEED_PARAMETERS) as { parameters: Record<string, unknown> };
    delete params.parameters['appClientId'];
    const err = caught(() => deploy({ deploymentName: 'bad', template: loadTemplateFile(SEED_TEMPLATE), parameters: params }, options));
    expect(err.code).toBe('ERR_ARM_PARAMETER_MISSING');
    expect(err.location).toEqual({ file: SEED_TEMPLATE, jsonPath: 'parameters.appClientId', line: 14, column: 20 });
    expect(err.message).toBe(
      "The value for the template parameter 'appClientId' at line '14' and column '20' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details.",
    );
    expect(snapshot(store)).toEqual(before);
  });

  it('bad reference → ERR_ARM_RESOURCE_NOT_FOUND at the referencing property; earlier resources not kept', () => {
    const { store, options } = setup();
    const before = snapshot(store);
    const text = seedText().replace(
      "reference(resourceId('Microsoft.Web/sites', parameters('sites_function_name'))).defaultHostName, '/api')",
      "reference(resourceId('Microsoft.Web/sites', 'nope')).defaultHostName, '/api')",
    );
    const err = caught(() => deploy({ deploymentName: 'bad', template: { text, file: 'seed.json' }, parameters: loadParametersFile(SEED_PARAMETERS) }, options));
    expect(err.code).toBe('ERR_ARM_RESOURCE_NOT_FOUND');
    expect(err.location).toEqual({ file: 'seed.json', jsonPath: 'resources[4].properties.serviceUrl', line: 158, column: 23 });
    expect(err.message).toBe(
      "The template resource 'Microsoft.ApiManagement/service/apis/trustline-apim/functions' at line '158' and column '23' is not valid: The Resource 'Microsoft.Web/sites/nope' under resource group 'rg-trustline' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    );
    expect(snapshot(store)).toEqual(before);
    expect(store.listResources()).toEqual([]);
  });

  it('unknown parameter in the parameters file → ERR_ARM_PARAMETER_UNKNOWN', () => {
    const { options } = setup();
    const params = loadParametersFile(SEED_PARAMETERS) as { parameters: Record<string, unknown> };
    params.parameters['extra'] = { value: 1 };
    const err = caught(() => deploy({ deploymentName: 'bad', template: loadTemplateFile(SEED_TEMPLATE), parameters: params }, options));
    expect(err.code).toBe('ERR_ARM_PARAMETER_UNKNOWN');
    expect(err.message.startsWith("The template parameters 'extra' in the parameters file are not valid; they are not present in the original template")).toBe(true);
  });

  it('provider validation: policy format and API path', () => {
    const { store, options } = setup();
    const badFormat = seedText().replace('"format": "rawxml"', '"format": "json"');
    const e1 = caught(() => deploy({ deploymentName: 'bad', template: { text: badFormat }, parameters: loadParametersFile(SEED_PARAMETERS) }, options));
    expect(e1.code).toBe('ERR_ARM_RESOURCE_INVALID');
    expect(e1.message).toBe(
      `The resource '${APIM_ID}/apis/functions/policies/policy' at line '175' and column '5' is not valid: the policy format 'json' is not supported; expected one of 'xml', 'rawxml', 'xml-link', 'rawxml-link'.`,
    );
    const noPath = seedText().replace('"path": "functions",', '');
    const e2 = caught(() => deploy({ deploymentName: 'bad', template: { text: noPath }, parameters: loadParametersFile(SEED_PARAMETERS) }, options));
    expect(e2.code).toBe('ERR_ARM_RESOURCE_INVALID');
    expect(e2.message).toContain("the property 'properties.path' is required.");
    expect(store.listResources()).toEqual([]);
  });
});

describe('deploy: modes', () => {
  it('Complete mode deletes resources of the resource group that are not in the template', () => {
    const { store, options } = setup();
    deploy(seedInput(), options);
    const extra = {
      resources: [{ type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name: 'extra-plan', location: 'westeurope', properties: {} }],
    };
    deploy({ deploymentName: 'extra', template: extra }, options);
    const extraId = `${RG}/providers/Microsoft.Web/serverfarms/extra-plan`;
    expect(store.getResource(extraId)).toBeDefined();
    const principalId = store.getResource(APIM_ID)!.identity!.principalId!;
    deploy({ ...seedInput(), deploymentName: 'complete', mode: 'Complete' }, options);
    expect(store.getResource(extraId)).toBeUndefined();
    expect(store.getResource(APIM_ID)!.identity!.principalId).toBe(principalId);
    expect(store.getResource(`${RG}/providers/Microsoft.Resources/deployments/extra`)).toBeDefined();

    deploy({ deploymentName: 'only-plan', template: extra, mode: 'Complete' }, options);
    expect(store.getResource(APIM_ID)).toBeUndefined();
    expect(store.getDirectoryObject(principalId)).toBeUndefined();
    expect(store.listResources().filter((r) => r.type !== 'Microsoft.Resources/deployments').map((r) => r.id)).toEqual([extraId]);
  });

  it('Complete mode deletes by type as ARM does: a child the template leaves out stays, a deleted parent takes its children', () => {
    const { store, options } = setup();
    deploy(seedInput(), options);
    const doc = JSON.parse(readFileSync(SEED_TEMPLATE, 'utf8')) as { resources: Array<{ type: string }> };
    // The seed without its authsettingsV2 config, its API's operation and policy: children ARM's Complete mode keeps
    // (Microsoft.Web sites/config: no; an APIM service's children are not resource-group resources).
    const children = new Set(['Microsoft.Web/sites/config', 'Microsoft.ApiManagement/service/apis/operations', 'Microsoft.ApiManagement/service/apis/policies']);
    const before = store.listResources().filter((r) => children.has(r.type)).map((r) => r.id);
    expect(before.length).toBeGreaterThanOrEqual(3);
    doc.resources = doc.resources.filter((r) => !children.has(r.type));
    deploy({ ...seedInput(), template: doc, deploymentName: 'complete-children', mode: 'Complete' }, options);
    for (const id of before) expect(store.getResource(id), id).toBeDefined();
    // The built-in all-access subscription API Management created with the service stays too.
    expect(store.listResources().some((r) => r.type === 'Microsoft.ApiManagement/service/subscriptions' && r.name.endsWith('/master'))).toBe(true);
  });

  it('deletedByCompleteMode follows ARM\'s per-type table; unknown namespaces: top-level types only', () => {
    expect(deletedByCompleteMode('Microsoft.Web/sites')).toBe(true);
    expect(deletedByCompleteMode('microsoft.web/sites/slots')).toBe(true);
    expect(deletedByCompleteMode('Microsoft.Web/sites/config')).toBe(false);
    expect(deletedByCompleteMode('Microsoft.ApiManagement/service')).toBe(true);
    expect(deletedByCompleteMode('Microsoft.ApiManagement/service/apis')).toBe(false);
    expect(deletedByCompleteMode('Microsoft.Authorization/roleAssignments')).toBe(false);
    expect(deletedByCompleteMode('Microsoft.ManagedIdentity/userAssignedIdentities')).toBe(true);
    expect(deletedByCompleteMode('Contoso.Widgets/things')).toBe(true);
    expect(deletedByCompleteMode('Contoso.Widgets/things/parts')).toBe(false);
  });

  it('Incremental PUT replaces the whole body', () => {
    const { store, options } = setup();
    const t = (props: Record<string, unknown>) => ({ resources: [{ type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name: 'p', properties: props }] });
    deploy({ deploymentName: 'a', template: t({ reserved: true, other: 1 }) }, options);
    deploy({ deploymentName: 'b', template: t({ reserved: false }) }, options);
    expect(store.getResource(`${RG}/providers/Microsoft.Web/serverfarms/p`)!.properties).toEqual({ reserved: false });
  });
});

describe('deploy: variant of the seed', () => {
  it('other names, policy at operation scope, tenant from subscription().tenantId', () => {
    const { store, options } = setup();
    const template = JSON.parse(seedText()) as { resources: Array<Record<string, unknown>> };
    const policy = template.resources[6]!;
    policy['type'] = 'Microsoft.ApiManagement/service/apis/operations/policies';
    policy['name'] = "[concat(parameters('apimServiceName'), '/', variables('apiName'), '/hello/policy')]";
    policy['dependsOn'] = ["[resourceId('Microsoft.ApiManagement/service/apis/operations', parameters('apimServiceName'), variables('apiName'), 'hello')]"];
    const result = deploy(
      {
        deploymentName: 'variant',
        template,
        parameters: { sites_function_name: { value: 'other-func' }, appClientId: { value: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }, apimServiceName: { value: 'other-apim' } },
      },
      options,
    );
    const apim = `${RG}/providers/Microsoft.ApiManagement/service/other-apim`;
    const opPolicy = store.getResource(`${apim}/apis/functions/operations/hello/policies/policy`)!;
    expect(opPolicy.type).toBe('Microsoft.ApiManagement/service/apis/operations/policies');
    expect(opPolicy.name).toBe('other-apim/functions/hello/policy');
    expect(opPolicy.properties['value']).toContain('resource="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"');
    const auth = store.getResource(`${RG}/providers/Microsoft.Web/sites/other-func/config/authsettingsV2`)!;
    expect((auth.properties as { identityProviders: { azureActiveDirectory: { registration: unknown } } }).identityProviders.azureActiveDirectory.registration).toEqual({
      openIdIssuer: `https://sts.windows.net/${SCOPE.tenantId}/`,
      clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    });
    expect(store.getResource(`${apim}/apis/functions`)!.properties['serviceUrl']).toBe('https://other-func.azurewebsites.net/api');
    expect(result.outputs['gatewayUrl']).toEqual({ type: 'String', value: 'https://other-apim.azure-api.net/functions/hello' });
    expect(result.outputs['apimPrincipalId']!.value).toBe(store.getResource(apim)!.identity!.principalId);
  });
});

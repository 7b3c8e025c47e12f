import { describe, it, expect } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { seedText, setup, snapshot } from './helpers/seed.js';

/** The seed with its policy value replaced by `policy` (a literal, not an expression). */
function seedWithPolicy(policy: string): { text: string; file: string } {
  const t = JSON.parse(seedText()) as { resources: Array<{ type: string; properties: { value?: string } }> };
  t.resources.find((r) => r.type === 'Microsoft.ApiManagement/service/apis/policies')!.properties.value = policy;
  return { text: JSON.stringify(t, null, 2), file: 'seed-variant.json' };
}

const PARAMS = { sites_function_name: { value: 'f' }, appClientId: { value: '6f1d2a4e-3b7c-4d8e-9f01-2a3b4c5d6e7f' }, apimServiceName: { value: 'a' } };

describe('policies are validated when deployed, as APIM does on save', () => {
  it('fails the deployment on an unknown policy element, naming its line and column, and writes nothing', () => {
    const { store, options } = setup();
    const before = snapshot(store);
    const policy = '<policies>\n  <inbound>\n    <base />\n    <no-such-policy />\n  </inbound>\n</policies>';
    let error: unknown;
    try {
      deploy({ deploymentName: 'bad-policy', template: seedWithPolicy(policy), parameters: PARAMS }, options);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_ARM_RESOURCE_INVALID' });
    expect((error as Error).message).toContain('the policy is not valid (policy line 4, column 5)');
    expect((error as Error).message).toContain('no-such-policy');
    expect(snapshot(store)).toEqual(before);
  });

  it('accepts the same element with --loose, with a warning', () => {
    const { options } = setup({ loose: true });
    const policy = '<policies><inbound><base /><no-such-policy /></inbound></policies>';
    const result = deploy({ deploymentName: 'loose', template: seedWithPolicy(policy), parameters: PARAMS }, options);
    expect(result.warnings.some((w) => w.includes('no-such-policy'))).toBe(true);
  });

  it('fails on an expression that does not parse', () => {
    const { options } = setup();
    const policy = '<policies><inbound><set-header name="x" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("a",))</value></set-header></inbound></policies>';
    expect(() => deploy({ deploymentName: 'bad-expr', template: seedWithPolicy(policy), parameters: PARAMS }, options)).toThrow(/the policy is not valid/);
  });
});

describe('authsettingsV2 is validated when deployed', () => {
  it('fails on an unknown unauthenticatedClientAction and writes nothing', () => {
    const { store, options } = setup();
    const before = snapshot(store);
    const t = JSON.parse(seedText()) as { resources: Array<{ type: string; properties: any }> };
    t.resources.find((r) => r.type === 'Microsoft.Web/sites/config')!.properties.globalValidation.unauthenticatedClientAction = 'Return418';
    let error: unknown;
    try {
      deploy({ deploymentName: 'bad-auth', template: { text: JSON.stringify(t), file: 'bad-auth.json' }, parameters: PARAMS }, options);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_ARM_RESOURCE_INVALID' });
    expect((error as Error).message).toContain('the authentication settings are not valid: ERR_EASYAUTH_SETTINGS_ENUM');
    expect((error as Error).message).toContain('Return418');
    expect(snapshot(store)).toEqual(before);
  });

  it('reads the clientId of the 2020-xx nested shape and auto-creates its app registration', () => {
    const { store, options } = setup();
    const t = JSON.parse(seedText()) as { resources: Array<{ type: string; properties: any }> };
    const cfg = t.resources.find((r) => r.type === 'Microsoft.Web/sites/config')!;
    const aad = cfg.properties.identityProviders.azureActiveDirectory;
    cfg.properties.identityProviders = { properties: { azureActiveDirectory: { properties: aad } } };
    deploy({ deploymentName: 'nested', template: { text: JSON.stringify(t), file: 'nested.json' }, parameters: PARAMS }, options);
    expect(store.findDirectoryObjectByAppId(PARAMS.appClientId.value)).toMatchObject({ kind: 'application', identifierUris: [`api://${PARAMS.appClientId.value}`] });
  });
});

describe('an unclosed policy expression', () => {
  it('fails the deployment, as APIM refuses it on save', () => {
    const { options } = setup();
    const policy = '<policies><inbound><set-header name="x" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("a"</value></set-header></inbound></policies>';
    expect(() => deploy({ deploymentName: 'unclosed', template: seedWithPolicy(policy), parameters: PARAMS }, options)).toThrow(/ERR_APIM_EXPRESSION_SYNTAX: The expression in <value> of <set-header> is not closed/);
  });
});

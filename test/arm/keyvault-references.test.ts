/**
 * Key Vault references passed as parameter values, in a parameters file or a nested deployment's parameters
 * (src/arm/deployment/keyvault-references.ts): ARM reads the secret at deploy time; the twin reads the secret it holds,
 * and expansion presumes a vault outside it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploy, expandTemplate } from '../../src/arm/index.js';
import { RG, setup } from './helpers/seed.js';

const VAULT = "resourceId('Microsoft.KeyVault/vaults', 'kv1')";

/** A nested deployment whose inner template outputs the secure parameter it gets as a Key Vault reference. */
function nested(reference: Record<string, unknown>, dependsOn: string[] = []) {
  return {
    type: 'Microsoft.Resources/deployments',
    apiVersion: '2022-09-01',
    name: 'inner',
    dependsOn,
    properties: {
      mode: 'Incremental',
      expressionEvaluationOptions: { scope: 'inner' },
      parameters: { pw: { reference } },
      template: {
        $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
        contentVersion: '1.0.0.0',
        parameters: { pw: { type: 'securestring' } },
        resources: [],
        outputs: { len: { type: 'int', value: "[length(parameters('pw'))]" }, same: { type: 'bool', value: "[equals(parameters('pw'), 'S3cret!value')]" } },
      },
    },
  };
}

const vault = (enabled: boolean) => ({
  type: 'Microsoft.KeyVault/vaults',
  apiVersion: '2023-07-01',
  name: 'kv1',
  location: 'westeurope',
  properties: { tenantId: '[subscription().tenantId]', sku: { family: 'A', name: 'standard' }, enabledForTemplateDeployment: enabled, accessPolicies: [] },
});
const secret = { type: 'Microsoft.KeyVault/vaults/secrets', apiVersion: '2023-07-01', name: 'kv1/admin', dependsOn: [`[${VAULT}]`], properties: { value: 'S3cret!value' } };
const ref = { keyVault: { id: `[${VAULT}]` }, secretName: 'admin' };
const outputs = {
  len: { type: 'int', value: "[reference('inner').outputs.len.value]" },
  same: { type: 'bool', value: "[reference('inner').outputs.same.value]" },
};

describe('Key Vault references as parameter values', () => {
  it('deploy: the secret the twin holds is passed (vault enabledForTemplateDeployment)', () => {
    const { options } = setup();
    const template = { resources: [vault(true), secret, nested(ref, ["[resourceId('Microsoft.KeyVault/vaults/secrets', 'kv1', 'admin')]"])], outputs };
    const r = deploy({ deploymentName: 'd', template }, options);
    expect(r.outputs['same']).toEqual({ type: 'Bool', value: true });
  });

  it("deploy: a vault that does not allow template deployment, a missing secret or vault, a malformed reference fail with the parameter's name", () => {
    const dependsOn = ["[resourceId('Microsoft.KeyVault/vaults', 'kv1')]"];
    const cases: Array<[unknown[], Record<string, unknown>, RegExp]> = [
      [[vault(false), secret, nested(ref, ["[resourceId('Microsoft.KeyVault/vaults/secrets', 'kv1', 'admin')]"])], ref, /'enabledForTemplateDeployment' is not true/],
      [[vault(true), nested(ref, dependsOn)], ref, /the secret 'admin' is not in the vault/],
      [[nested(ref)], ref, /the vault '.*\/vaults\/kv1' is not in the twin/],
      [[nested({ keyVault: { id: `${RG}/providers/Microsoft.Storage/storageAccounts/sa` }, secretName: 'admin' })], {}, /'keyVault.id' must be the resource id of a Microsoft.KeyVault\/vaults resource/],
    ];
    for (const [resources, , message] of cases) {
      const { options } = setup();
      expect(() => deploy({ deploymentName: 'd', template: { resources, outputs } }, options)).toThrow(
        expect.objectContaining({ code: 'ERR_ARM_KEYVAULT_REFERENCE', message: expect.stringMatching(message), details: expect.objectContaining({ parameter: 'pw', deployment: 'inner' }) }),
      );
    }
  });

  it('deploy: a parameters file reads a secret deployed earlier; the stored deployment does not show it', () => {
    const { options, store } = setup();
    deploy({ deploymentName: 'vault', template: { resources: [vault(true), secret] } }, options);
    const template = {
      parameters: { pw: { type: 'securestring' } },
      resources: [],
      outputs: { same: { type: 'bool', value: "[equals(parameters('pw'), 'S3cret!value')]" } },
    };
    const parameters = { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#', contentVersion: '1.0.0.0', parameters: { pw: { reference: { keyVault: { id: `${RG}/providers/Microsoft.KeyVault/vaults/kv1` }, secretName: 'admin' } } } };
    const r = deploy({ deploymentName: 'reader', template, parameters }, options);
    expect(r.outputs['same']).toEqual({ type: 'Bool', value: true });
    expect(JSON.stringify(store.listResources().filter((x) => x.type === 'Microsoft.Resources/deployments'))).not.toContain('S3cret!value');
    const missing = { parameters: { pw: { reference: { keyVault: { id: `${RG}/providers/Microsoft.KeyVault/vaults/kv1` }, secretName: 'nope' } } } };
    expect(() => deploy({ deploymentName: 'reader2', template, parameters: missing }, options)).toThrow(
      expect.objectContaining({ code: 'ERR_ARM_KEYVAULT_REFERENCE', details: expect.objectContaining({ parameter: 'pw', deployment: 'reader2' }) }),
    );
  });

  it('expand: a vault outside the twin is presumed; the value is stable for the secret id, with a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-kvref-'));
    const file = join(dir, 'azuredeploy.json');
    const otherVault = "resourceId('other-sub', 'other-rg', 'Microsoft.KeyVault/vaults', 'extkv')";
    writeFileSync(file, JSON.stringify({ resources: [nested({ keyVault: { id: `[${otherVault}]` }, secretName: 'admin' })], outputs }));
    const scope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', tenantId: 'tttttttt-0000-0000-0000-000000000000', location: 'westeurope' };
    const a = expandTemplate({ templateFile: file, scope });
    const b = expandTemplate({ templateFile: file, scope, seed: 7 });
    expect(a.outputs['len']).toBeGreaterThanOrEqual(12);
    expect(a.outputs['len']).toBe(b.outputs['len']);
    expect(a.warnings.some((w) => w.includes("the Key Vault secret '/subscriptions/other-sub/resourceGroups/other-rg/providers/Microsoft.KeyVault/vaults/extkv/secrets/admin'"))).toBe(true);
  });
});

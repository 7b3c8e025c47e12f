/**
 * Write-only properties (src/arm/providers/read-only-table.ts WRITE_ONLY, most of it generated from the REST specs'
 * `x-ms-secret` / create-only credential markings into write-only-table.ts): reference() and the control plane's GET
 * never answer them, as Azure's providers do not; the argument is never changed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandTemplate, withoutWriteOnly } from '../../src/arm/index.js';
import { SPEC_WRITE_ONLY } from '../../src/arm/providers/write-only-table.js';

const SCOPE = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', tenantId: 'tttttttt-0000-0000-0000-000000000000', location: 'westeurope' };

describe('withoutWriteOnly', () => {
  it('drops nested paths and every array item, whatever the case of the names; other properties stay', () => {
    const given = {
      osProfile: { computerName: 'vm1', AdminPassword: 'P@ss', adminUsername: 'azureuser' },
      hardwareProfile: { vmSize: 'Standard_B2s' },
    };
    expect(withoutWriteOnly('Microsoft.Compute/virtualMachines', given)).toEqual({ osProfile: { computerName: 'vm1', adminUsername: 'azureuser' }, hardwareProfile: { vmSize: 'Standard_B2s' } });
    expect(given.osProfile.AdminPassword).toBe('P@ss');
    const app = { configuration: { secrets: [{ name: 'a', value: 'x' }, { name: 'b', keyVaultUrl: 'https://kv.vault.azure.net/secrets/b' }], ingress: { external: true } } };
    expect(withoutWriteOnly('microsoft.app/containerapps', app)).toEqual({ configuration: { secrets: [{ name: 'a' }, { name: 'b', keyVaultUrl: 'https://kv.vault.azure.net/secrets/b' }], ingress: { external: true } } });
  });

  it('answers a type without write-only properties with its own object (no copy), and tolerates shapes that differ', () => {
    const site = { siteConfig: { appSettings: [] } };
    expect(withoutWriteOnly('Microsoft.Web/sites', site)).toBe(site);
    expect(withoutWriteOnly('microsoft.app/containerapps', { configuration: { secrets: 'not an array' } })).toEqual({ configuration: { secrets: 'not an array' } });
    expect(withoutWriteOnly('Microsoft.Compute/virtualMachines', { osProfile: null })).toEqual({ osProfile: null });
  });

  it('the generated table covers the credentials of the types templates of this chain carry', () => {
    expect(SPEC_WRITE_ONLY['microsoft.sql/servers']).toContain('administratorLoginPassword');
    expect(SPEC_WRITE_ONLY['microsoft.apimanagement/service/identityproviders']).toContain('clientSecret');
    expect(SPEC_WRITE_ONLY['microsoft.apimanagement/service/certificates']).toEqual(expect.arrayContaining(['data', 'password']));
    expect(SPEC_WRITE_ONLY['microsoft.dbforpostgresql/flexibleservers']).toContain('administratorLoginPassword');
    // whole objects that the specs mark create-only but providers answer in part are not in it
    expect(SPEC_WRITE_ONLY['microsoft.web/sites']).toBeUndefined();
  });
});

describe('reference() of write-only properties (arm trap 10a)', () => {
  function expand(resources: unknown[], outputs: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-write-only-'));
    const file = join(dir, 'azuredeploy.json');
    const template = {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      resources,
      outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { type: 'string', value: v }])),
    };
    writeFileSync(file, JSON.stringify(template));
    return expandTemplate({ templateFile: file, scope: SCOPE });
  }

  it("a SQL server's administratorLoginPassword is not answered; its login is (a template reading it fails as in Azure)", () => {
    const server = { type: 'Microsoft.Sql/servers', apiVersion: '2022-05-01-preview', name: 'sql1', location: 'westeurope', properties: { administratorLogin: 'sqladmin', administratorLoginPassword: 'Secr3t!Secr3t!', version: '12.0' } };
    const r = expand([server], { login: "[reference(resourceId('Microsoft.Sql/servers', 'sql1')).administratorLogin]", has: "[string(contains(reference(resourceId('Microsoft.Sql/servers', 'sql1')), 'administratorLoginPassword'))]" });
    expect(r.outputs['login']).toBe('sqladmin');
    expect(r.outputs['has']).toBe('False');
    expect(() => expand([server], { p: "[reference(resourceId('Microsoft.Sql/servers', 'sql1')).administratorLoginPassword]" })).toThrow(
      expect.objectContaining({ code: 'ERR_ARM_PROPERTY_NOT_FOUND' }),
    );
  });
});

/**
 * Write-only properties on the control plane: a Key Vault secret's `value` is taken by PUT and never answered by GET
 * (the REST spec's SecretProperties.value: "The value of the secret. NOTE: 'value' will never be returned from the
 * service, as APIs using this model are intended for internal use in ARM deployments"), as reference() does not see it.
 * The twin keeps the value: the gateway still reads it for a Key Vault named value.
 */
import { describe, it, expect } from 'vitest';
import { realTimeTwin, useControlPlaneTwin } from '../helpers/control-plane-twin.js';

const SUB = '1a2b3c4d-0000-4000-8000-0000000000f7';
const RG = 'rg-write-only';
const RG_PATH = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

describe('GET of a resource with write-only properties', () => {
  const cp = useControlPlaneTwin('trustline-write-only-', realTimeTwin('0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2bf7', SUB, RG));

  it("a Key Vault secret's value is stored, and GET answers the secret without it", async () => {
    const template = {
      $schema: SCHEMA,
      contentVersion: '1.0.0.0',
      resources: [
        { type: 'Microsoft.KeyVault/vaults', apiVersion: '2023-07-01', name: 'wovault', location: 'westeurope', properties: { tenantId: '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2bf7', sku: { family: 'A', name: 'standard' }, accessPolicies: [] } },
        { type: 'Microsoft.KeyVault/vaults/secrets', apiVersion: '2023-07-01', name: 'wovault/greeting', dependsOn: ['wovault'], properties: { value: 'hello from the vault', contentType: 'text/plain' } },
      ],
    };
    const path = `${RG_PATH}/providers/Microsoft.Resources/deployments/wo?api-version=2022-09-01`;
    expect((await cp.json(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template } } })).status).toBe(201);
    for (let i = 0; i < 400; i++) {
      const d = await cp.json<{ properties: { provisioningState: string } }>(path);
      if (d.body.properties.provisioningState === 'Succeeded') break;
      expect(['Accepted', 'Running']).toContain(d.body.properties.provisioningState);
      await new Promise((r) => setTimeout(r, 10));
    }
    const secretId = `${RG_PATH}/providers/Microsoft.KeyVault/vaults/wovault/secrets/greeting`;
    const got = await cp.json<{ name: string; properties: Record<string, unknown> }>(`${secretId}?api-version=2023-07-01`);
    expect(got.status).toBe(200);
    expect(got.body.name).toBe('greeting');
    expect(got.body.properties['contentType']).toBe('text/plain');
    expect(got.body.properties).not.toHaveProperty('value');
    // the store still holds it (the twin's own readers need it)
    const stored = cp.twin.store.getResource(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/wovault/secrets/greeting`);
    expect(stored?.properties['value']).toBe('hello from the vault');
  });
});

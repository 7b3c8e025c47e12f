/**
 * Write-only properties on the control plane: a Key Vault secret's `value` is taken by PUT and never answered by GET
 * (the REST spec's SecretProperties.value: "The value of the secret. NOTE: 'value' will never be returned from the
 * service, as APIs using this model are intended for internal use in ARM deployments"), as reference() does not see it.
 * The twin keeps the value: the gateway still reads it for a Key Vault named value. The same for an APIM API's import
 * inputs (`format`, `value`: the GET contract ApiContractProperties has neither) and the credentials the REST specs
 * mark `x-ms-secret` (src/arm/providers/write-only-table.ts).
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

  it("an APIM API imported from OpenAPI is answered without the import's format and value; its operations exist", async () => {
    const openapi = { openapi: '3.0.1', info: { title: 'Orders', version: '1' }, paths: { '/orders': { get: { operationId: 'list-orders', responses: { '200': { description: 'ok' } } } } } };
    const template = {
      $schema: SCHEMA,
      contentVersion: '1.0.0.0',
      resources: [
        { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 'woapim', location: 'westeurope', sku: { name: 'Developer', capacity: 1 }, properties: { publisherEmail: 'a@example.com', publisherName: 'A' } },
        { type: 'Microsoft.ApiManagement/service/apis', apiVersion: '2022-08-01', name: 'woapim/orders', dependsOn: ['woapim'], properties: { path: 'orders', protocols: ['https'], format: 'openapi+json', value: JSON.stringify(openapi) } },
        { type: 'Microsoft.ApiManagement/service/identityProviders', apiVersion: '2022-08-01', name: 'woapim/aad', dependsOn: ['woapim'], properties: { clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'idp-secret-value', allowedTenants: ['contoso.onmicrosoft.com'], type: 'aad' } },
      ],
    };
    const path = `${RG_PATH}/providers/Microsoft.Resources/deployments/wo-apim?api-version=2022-09-01`;
    expect((await cp.json(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template } } })).status).toBe(201);
    let state = '';
    for (let i = 0; i < 400 && state !== 'Succeeded'; i++) {
      state = (await cp.json<{ properties: { provisioningState: string } }>(path)).body.properties.provisioningState;
      expect(['Accepted', 'Running', 'Succeeded']).toContain(state);
      if (state !== 'Succeeded') await new Promise((r) => setTimeout(r, 10));
    }
    const service = `${RG_PATH}/providers/Microsoft.ApiManagement/service/woapim`;
    const api = await cp.json<{ properties: Record<string, unknown> }>(`${service}/apis/orders?api-version=2022-08-01`);
    expect(api.status).toBe(200);
    expect(api.body.properties['path']).toBe('orders');
    expect(api.body.properties).not.toHaveProperty('format');
    expect(api.body.properties).not.toHaveProperty('value');
    const op = await cp.json(`${service}/apis/orders/operations/list-orders?api-version=2022-08-01`);
    expect(op.status).toBe(200);
    const idp = await cp.json<{ properties: Record<string, unknown> }>(`${service}/identityProviders/aad?api-version=2022-08-01`);
    expect(idp.status).toBe(200);
    expect(idp.body.properties['clientId']).toBe('11111111-2222-3333-4444-555555555555');
    expect(idp.body.properties).not.toHaveProperty('clientSecret');
  });
});

/**
 * @azure/identity's managed identity credentials against `trustline up`, each in its own process: DefaultAzureCredential
 * picking the managed identity (App Service protocol, and IMDS with AZURE_CLIENT_ID), ManagedIdentityCredential
 * system- and user-assigned (client id, object id, resource id) over IMDS. IMDS serves only the identities attached
 * with --imds-identity. msal-node's ManagedIdentityApplication over IMDS too. Every token opens the site.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { APP_CLIENT_ID, useRunningSeed } from '../helpers/seed.js';
import { runClient } from './clients/run-client.js';

const dir = mkdtempSync(join(tmpdir(), 'trustline-mi-clients-'));
const uamiTemplate = join(dir, 'uami.json');
writeFileSync(
  uamiTemplate,
  JSON.stringify({
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    resources: [{ type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'ci-uami', location: 'westeurope' }],
  }),
);

describe('managed identity credentials against the twin', () => {
  const seed = useRunningSeed('trustline-mi-clients-', ['--in-memory', '--template', uamiTemplate, '--imds-identity', 'trustline-apim', '--imds-identity', 'ci-uami']);
  let uami: { clientId: string; principalId: string; resourceId: string };
  beforeAll(async () => {
    const res = await fetch(`${seed.ready.identity.imdsEndpoint}/_trustline/directory`, { headers: { 'X-IDENTITY-HEADER': seed.ready.identity.identityHeader } });
    const list = (await res.json()) as { managedIdentities: Array<{ displayName: string; clientId: string; principalId: string; resourceId: string }> };
    uami = list.managedIdentities.find((m) => m.displayName === 'ci-uami')!;
  });
  type Out = { token?: string; claims?: Record<string, unknown>; error?: string };
  const run = (env: Record<string, string>) => runClient<Out>('azure-identity-mi.mjs', { SCOPE: `${APP_CLIENT_ID}/.default`, ...env }, seed.ready.caCertificate);
  const imds = () => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: seed.ready.identity.imdsEndpoint });
  const opensSite = async (token: string) =>
    (await undiciFetch(`${seed.ready.sites['trustline-func']!.url}/api/hello`, { headers: { authorization: `Bearer ${token}` }, dispatcher: seed.tls })).status;

  it('DefaultAzureCredential picks the App Service managed identity (APIM\'s own endpoint)', async () => {
    const apim = seed.ready.apim['trustline-apim']!;
    const r = await run({ CRED: 'dac', IDENTITY_ENDPOINT: apim.identityEndpoint!, IDENTITY_HEADER: seed.ready.identity.identityHeader });
    expect(r.error).toBeUndefined();
    expect(r.claims).toMatchObject({ aud: APP_CLIENT_ID, appid: apim.clientId, oid: apim.principalId, xms_mirid: apim.resourceId });
    expect(await opensSite(r.token!)).toBe(200);
  });

  it('ManagedIdentityCredential over IMDS: system-assigned (the attached one), user-assigned by client id, object id, resource id', async () => {
    const apim = seed.ready.apim['trustline-apim']!;
    const system = await run({ CRED: 'mi', ...imds() });
    expect(system.error).toBeUndefined();
    expect(system.claims).toMatchObject({ appid: apim.clientId });
    expect(await opensSite(system.token!)).toBe(200);
    for (const options of [{ clientId: uami.clientId }, { objectId: uami.principalId }, { resourceId: uami.resourceId }]) {
      const r = await run({ CRED: 'mi', MI_OPTIONS: JSON.stringify(options), ...imds() });
      expect(r.error, JSON.stringify(options)).toBeUndefined();
      expect(r.claims).toMatchObject({ aud: APP_CLIENT_ID, appid: uami.clientId, oid: uami.principalId, xms_mirid: uami.resourceId });
      expect(await opensSite(r.token!)).toBe(200);
    }
  }, 120_000);

  it('msal-node ManagedIdentityApplication over IMDS: system-assigned, user-assigned by client id, object id, resource id', async () => {
    const apim = seed.ready.apim['trustline-apim']!;
    const msal = (params?: Record<string, string>) =>
      runClient<Out & { source?: string }>('msal-node.mjs', { MODE: 'managed-identity', RESOURCE: APP_CLIENT_ID, ...imds(), ...(params ? { MI_ID_PARAMS: JSON.stringify(params) } : {}) }, seed.ready.caCertificate);
    const system = await msal();
    expect(system.error).toBeUndefined();
    expect(system.source).toBe('DefaultToImds');
    expect(system.claims).toMatchObject({ aud: APP_CLIENT_ID, appid: apim.clientId, oid: apim.principalId });
    expect(await opensSite(system.token!)).toBe(200);
    const selectors: Record<string, string>[] = [{ userAssignedClientId: uami.clientId }, { userAssignedObjectId: uami.principalId }, { userAssignedResourceId: uami.resourceId }];
    for (const params of selectors) {
      const r = await msal(params);
      expect(r.error, JSON.stringify(params)).toBeUndefined();
      expect(r.claims).toMatchObject({ appid: uami.clientId, oid: uami.principalId, xms_mirid: uami.resourceId });
      expect(await opensSite(r.token!)).toBe(200);
    }
  }, 120_000);

  it('DefaultAzureCredential over IMDS with AZURE_CLIENT_ID picks the user-assigned identity', async () => {
    const r = await run({ CRED: 'dac', AZURE_CLIENT_ID: uami.clientId, ...imds() });
    expect(r.error).toBeUndefined();
    expect(r.claims).toMatchObject({ appid: uami.clientId });
    expect(await opensSite(r.token!)).toBe(200);
  });
});

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProxyAgent, request } from 'undici';
import { SEED, useRunningSeed } from '../helpers/seed.js';
import { runClient } from './clients/run-client.js';

/** The Azure SDKs for JavaScript against a running twin, each client in its own process, logged in as the twin CLI's principal. */
describe('Azure SDK management clients against the control plane', () => {
  const seed = useRunningSeed('trustline-armsdk-', ['--in-memory']);
  const env = () => ({ READY_FILE: join(seed.dir, 'ready.json'), SEED_DIR: SEED });

  it('@azure/arm-resources: beginCreateOrUpdateAndWait deploys the seed, validate, beginWhatIfAndWait, operations, resources, getById, resource groups, subscription scope, exportTemplate', async () => {
    const r = await runClient<Record<string, any>>('arm-resources.mjs', env(), seed.ready.caCertificate);
    expect(r.error, JSON.stringify(r)).toBeUndefined();
    expect(r.deployment).toEqual({ name: 'sdk-seed', state: 'Succeeded', outputResources: 7 });
    expect(r.body.providers).toEqual([
      { namespace: 'Microsoft.Web', types: [['serverfarms', ['westeurope']], ['sites', ['westeurope']], ['sites/config', ['westeurope']]] },
      { namespace: 'Microsoft.ApiManagement', types: [['service', ['westeurope']], ['service/apis', ['westeurope']], ['service/apis/operations', ['westeurope']], ['service/apis/policies', ['westeurope']]] },
    ]);
    expect(r.body.dependencies).toEqual([
      { type: 'Microsoft.Web/sites', on: ['Microsoft.Web/serverfarms'] },
      { type: 'Microsoft.Web/sites/config', on: ['Microsoft.Web/sites'] },
      { type: 'Microsoft.ApiManagement/service/apis', on: ['Microsoft.ApiManagement/service', 'Microsoft.Web/sites'] },
      { type: 'Microsoft.ApiManagement/service/apis/operations', on: ['Microsoft.ApiManagement/service/apis'] },
      { type: 'Microsoft.ApiManagement/service/apis/policies', on: ['Microsoft.ApiManagement/service/apis'] },
    ]);
    expect(new Set(Object.values(r.body.parameterTypes))).toEqual(new Set(['String']));
    expect(r.body.outputTypes).toEqual({ functionUrl: 'String', gatewayUrl: 'String', apimPrincipalId: 'String' });
    expect(r.body).toMatchObject({ duration: expect.stringMatching(/^PT/), correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/), templateHash: expect.stringMatching(/^\d+$/), timestamp: true });
    expect(r.validate).toEqual({ state: 'Succeeded', validated: 7 });
    expect(r.whatIf.status).toBe('Succeeded');
    const modified = r.whatIf.changes.filter((c: { changeType: string }) => c.changeType === 'Modify');
    // The SDK's model types `after` as an object, so a string arrives spread into characters (as it would from ARM).
    expect(modified).toEqual([expect.objectContaining({ delta: [expect.objectContaining({ path: 'properties.displayName', type: 'Modify' })] })]);
    expect(Object.values(modified[0].delta[0].after).join('')).toBe('Changed by the SDK');
    expect(r.whatIf.changes.filter((c: { changeType: string }) => c.changeType === 'NoChange')).toHaveLength(6);
    expect(r.operations.filter((o: { operation: string }) => o.operation === 'Create')).toHaveLength(7);
    expect(r.operations.every((o: { state: string }) => o.state === 'Succeeded')).toBe(true);
    expect(r.resources.map((x: { type: string }) => x.type).sort()).toEqual(['Microsoft.ApiManagement/service', 'Microsoft.Web/serverfarms', 'Microsoft.Web/sites']);
    expect(r.byId.name).toBe(seed.ready.apim ? Object.keys(seed.ready.apim)[0] : undefined);
    expect(r.byId.principalId).toBe(Object.values(seed.ready.apim)[0]!.principalId);
    expect(r.group).toEqual({ name: seed.ready.resourceGroup, state: 'Succeeded' });
    expect(r.exists).toBe(true);
    expect(r.missing).toBe(false);
    expect(r.deployments).toContain('sdk-seed');
    expect(r.atSubscription).toEqual({ state: 'Succeeded', output: seed.ready.subscriptionId, listed: ['sdk-sub'] });
    expect(r.exported).toBe(7);
    expect(r.failure).toMatchObject({ code: 'InvalidTemplate', statusCode: 400 });
  });

  it('@azure/arm-appservice: the site, getAuthSettingsV2, app settings; a deployment slot created with its own authsettingsV2 and served', async () => {
    const site = Object.keys(seed.ready.sites)[0]!;
    const r = await runClient<Record<string, any>>('arm-appservice.mjs', { ...env(), SITE: site }, seed.ready.caCertificate);
    expect(r.error, JSON.stringify(r)).toBeUndefined();
    expect(r.site).toMatchObject({ name: site, defaultHostName: `${site}.azurewebsites.net` });
    expect(r.auth).toMatchObject({ name: 'authsettingsV2', enabled: true, clientId: '6f1d2a4e-3b7c-4d8e-9f01-2a3b4c5d6e7f' });
    expect(r.config.name).toBe('web');
    expect(r.appSettings).toMatchObject({ FUNCTIONS_EXTENSION_VERSION: '~4' });
    expect(r.slot).toEqual({ name: 'staging', defaultHostName: `${site}-staging.azurewebsites.net` });
    expect(r.slotAuth).toEqual({ name: 'authsettingsV2', action: 'Return403' });
    expect(r.slotSettings).toEqual({ SLOT: 'staging' });
    // The slot is served at its own host with its own settings: no token → 403, as its authsettingsV2 says.
    // (reached by its Azure host name through the twin's forward proxy: the ready file lists what `up` deployed)
    const proxy = new ProxyAgent({ uri: seed.ready.proxy!, requestTls: { ca: readFileSync(seed.ready.caCertificate, 'utf8') } });
    try {
      const res = await request(`https://${site}-staging.azurewebsites.net/api/hello`, { dispatcher: proxy });
      await res.body.dump();
      expect(res.statusCode).toBe(403);
      const main = await request(`https://${site}.azurewebsites.net/api/hello`, { dispatcher: proxy });
      await main.body.dump();
      expect(main.statusCode).toBe(401);
    } finally {
      await proxy.close();
    }
  });

  it('@azure/arm-apimanagement: the service, its API and the API policy', async () => {
    const service = Object.keys(seed.ready.apim)[0]!;
    const r = await runClient<Record<string, any>>('arm-apimanagement.mjs', { ...env(), SERVICE: service }, seed.ready.caCertificate);
    expect(r.error, JSON.stringify(r)).toBeUndefined();
    expect(r.service).toMatchObject({ name: service, principalId: seed.ready.apim[service]!.principalId });
    expect(r.apis).toHaveLength(1);
    expect(r.api.name).toBe(r.apis[0]);
    expect(r.policy).toEqual({ name: 'policy', type: 'Microsoft.ApiManagement/service/apis/policies' });
    // No `format` asked: APIM answers `xml`; `format: 'rawxml'` gives the expressions as written.
    expect(r.policyAnswer).toEqual({ format: 'xml', hasManagedIdentity: true });
    expect(r.rawxmlAnswer).toEqual({ format: 'rawxml', expression: true });
  });
});

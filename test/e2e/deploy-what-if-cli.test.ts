import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { runCli } from '../helpers/cli-process.js';
import { SEED, useRunningSeed } from '../helpers/seed.js';
import type { ReadyInfo } from '../../src/runtime/index.js';

describe('trustline deploy / what-if against a running twin (bearer auth on, as ARM)', () => {
  const seed = useRunningSeed('trustline-cpcli-', ['--in-memory']);
  const readyFile = () => join(seed.dir, 'ready.json');

  it('the control plane refuses a request without a token (401 AuthenticationFailed)', async () => {
    const r = await request(`${seed.ready.controlPlane}/subscriptions?api-version=2022-12-01`, { dispatcher: seed.tls });
    expect(r.statusCode).toBe(401);
    expect(((await r.body.json()) as { error: { code: string } }).error.code).toBe('AuthenticationFailed');
  });

  it('what-if of the deployed seed: every resource "= Nochange", in az\'s text format', async () => {
    const r = await runCli(['what-if', SEED, '--ready-file', readyFile()]);
    expect(r.output).toContain('Resource and property changes are indicated with');
    expect(r.output).toContain(`Scope: /subscriptions/${seed.ready.subscriptionId}/resourceGroups/${seed.ready.resourceGroup}`);
    expect(r.output).toMatch(/= Microsoft\.ApiManagement\/service\/[^\s]+ \[/);
    expect(r.output).not.toMatch(/^\s+[~+-] Microsoft/m);
    expect(r.output).toMatch(/Resource changes: \d+ no change\./);
    expect(r.code).toBe(0);
  });

  it('what-if --json of a changed policy: Modify with the property delta; nothing is deployed', async () => {
    const template = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8')) as { resources: Array<{ type: string; properties: Record<string, unknown> }> };
    const api = template.resources.find((r) => /\/apis$/i.test(r.type))!;
    api.properties.displayName = 'Changed by what-if';
    writeFileSync(join(seed.dir, 'changed.json'), JSON.stringify(template, null, 2));
    const r = await runCli(['what-if', '--template', join(seed.dir, 'changed.json'), '--parameters', join(SEED, 'azuredeploy.parameters.json'), '--json', '--ready-file', readyFile()]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.output) as { status: string; properties: { changes: Array<{ changeType: string; delta?: Array<{ path: string; propertyChangeType: string; after?: unknown }> }> } };
    const modified = result.properties.changes.filter((c) => c.changeType === 'Modify');
    expect(modified).toHaveLength(1);
    expect(modified[0]!.delta).toEqual([expect.objectContaining({ path: 'properties.displayName', propertyChangeType: 'Modify', after: 'Changed by what-if' })]);
    const again = await runCli(['what-if', SEED, '--json', '--ready-file', readyFile()]);
    expect((JSON.parse(again.output) as typeof result).properties.changes.every((c) => c.changeType === 'NoChange')).toBe(true);
  });

  it('deploy keeps the file, JSON path and line:column of an error, and raw newlines in strings reach the twin', async () => {
    const text = '{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n  "contentVersion": "1.0.0.0",\n  "resources": [\n    { "type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "location": "westeurope",\n      "name": "[nosuchfunction(\'x\')]" }\n  ],\n  "outputs": { "multi": { "type": "string", "value": "line one\nline two" } }\n}\n';
    writeFileSync(join(seed.dir, 'broken.json'), text);
    const r = await runCli(['deploy', '--template', join(seed.dir, 'broken.json'), '--ready-file', readyFile()]);
    expect(r.code).toBe(1);
    expect(r.output).toContain('InvalidTemplate');
    expect(r.output).toContain(`${join(seed.dir, 'broken.json')}:6:15`);
    expect(r.output).toContain('(resources[0].name)');
    const ok = text.replace("[nosuchfunction('x')]", 'rawnewline-site').replace(/\{ "type": "Microsoft.Web\/sites"[^}]*\}\n/s, '').replace('"resources": [\n    \n  ]', '"resources": []');
    writeFileSync(join(seed.dir, 'newline.json'), ok.replace(/"resources": \[[^\]]*\]/s, '"resources": []'));
    const d = await runCli(['deploy', '--template', join(seed.dir, 'newline.json'), '--name', 'newline', '--ready-file', readyFile()]);
    expect(d.output).toContain('deployed');
    const { access_token } = await cliToken();
    const dep = await request(`${seed.ready.controlPlane}/subscriptions/${seed.ready.subscriptionId}/resourcegroups/${seed.ready.resourceGroup}/providers/Microsoft.Resources/deployments/newline?api-version=2021-04-01`, { dispatcher: seed.tls, headers: { authorization: `Bearer ${access_token}` } });
    expect(((await dep.body.json()) as { properties: { outputs: { multi: { value: string } } } }).properties.outputs.multi.value).toBe('line one\nline two');
  });

  async function cliToken(): Promise<{ access_token: string }> {
    const cred = JSON.parse(readFileSync(seed.ready.cliCredential!, 'utf8')) as { clientId: string; clientSecret: string; scope: string };
    const res = await request(`${seed.ready.identity.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      dispatcher: seed.tls,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: cred.clientId, client_secret: cred.clientSecret, scope: cred.scope }).toString(),
    });
    return (await res.body.json()) as { access_token: string };
  }
});

describe('trustline up --no-auth', () => {
  const seed = useRunningSeed('trustline-noauth-', ['--in-memory', '--no-auth']);
  it('serves the control plane without a token and says so in the ready file', async () => {
    expect(seed.ready.controlPlaneAuth).toBe(false);
    expect(seed.ready.cliCredential).toBeUndefined();
    const r = await request(`${seed.ready.controlPlane}/subscriptions?api-version=2022-12-01`, { dispatcher: seed.tls });
    expect(r.statusCode).toBe(200);
    await r.body.dump();
    const d = await runCli(['deploy', SEED, '--ready-file', join(seed.dir, 'ready.json')]);
    expect(d.code).toBe(0);
    expect(d.output).toMatch(/^ {2}\+ Microsoft\.ApiManagement\/service\/apis\/policies \S+\/policy$/m);
    expect(d.output).toContain('  7 simulated\n');
  });

  it('a site and an APIM service deployed later (trustline deploy, the control plane) appear in the ready file as at `up`; a deleted site leaves it', async () => {
    const file = join(seed.dir, 'ready.json');
    const template = {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0',
      resources: [
        { type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: 'late-site', location: 'westeurope', kind: 'functionapp,linux', properties: { httpsOnly: false } },
        { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 'late-apim', location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, identity: { type: 'SystemAssigned' }, properties: { publisherEmail: 'a@b.c', publisherName: 'n' } },
      ],
    };
    writeFileSync(join(seed.dir, 'late.json'), JSON.stringify(template));
    const d = await runCli(['deploy', '--template', join(seed.dir, 'late.json'), '--name', 'late', '--ready-file', file]);
    expect(d.code, d.output).toBe(0);
    const ready = JSON.parse(readFileSync(file, 'utf8')) as ReadyInfo;
    // The entries deployed at `up` stay; the new ones have the same shape (contract: url/httpUrl/hostName, gatewayUrl/…).
    expect(Object.keys(ready.sites)).toEqual(expect.arrayContaining([...Object.keys(seed.ready.sites), 'late-site']));
    expect(ready.sites['late-site']).toMatchObject({ url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), httpUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), hostName: 'late-site.azurewebsites.net' });
    expect(ready.apim['late-apim']).toMatchObject({ gatewayUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), httpGatewayUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), principalId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(Object.keys(ready)).toEqual(Object.keys(seed.ready));
    // What it names answers: the new site's listener serves (no Easy Auth configured: the function answers).
    const hello = await request(`${ready.sites['late-site']!.url}/api/hello`, { dispatcher: seed.tls });
    expect(hello.statusCode).toBe(200);
    await hello.body.dump();
    const del = await request(`${seed.ready.controlPlane}/subscriptions/${seed.ready.subscriptionId}/resourceGroups/${seed.ready.resourceGroup}/providers/Microsoft.Web/sites/late-site?api-version=2022-09-01`, { dispatcher: seed.tls, method: 'DELETE' });
    expect(del.statusCode).toBe(200);
    await del.body.dump();
    const after = JSON.parse(readFileSync(file, 'utf8')) as ReadyInfo;
    expect(after.sites['late-site']).toBeUndefined();
    expect(after.apim['late-apim']).toBeDefined();
  });

  it('deploy lists each resource and names the types the twin only stores ("stored, not simulated")', async () => {
    const stored = (name: string) => ({ type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name, location: 'westeurope', properties: {} });
    const template = {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0',
      resources: [stored('a'), stored('b'), { type: 'Microsoft.Insights/components', apiVersion: '2020-02-02', name: 'ai', location: 'westeurope', kind: 'web', properties: { Application_Type: 'web' } }, { type: 'Microsoft.Cdn/profiles', apiVersion: '2023-05-01', name: 'cdn', location: 'global', sku: { name: 'Standard_Microsoft' } }],
    };
    writeFileSync(join(seed.dir, 'stored.json'), JSON.stringify(template));
    const d = await runCli(['deploy', '--template', join(seed.dir, 'stored.json'), '--name', 'stored', '--ready-file', join(seed.dir, 'ready.json')]);
    expect(d.code).toBe(0);
    expect(d.output).toContain('  · Contoso.Widgets/things a\n');
    expect(d.output).toContain('  + Microsoft.Insights/components ai\n');
    expect(d.output).toContain('  1 simulated; stored, not simulated: Contoso.Widgets/things (2), Microsoft.Cdn/profiles');
    // A subscription-scope template goes to the subscription's deployments, as `up` would deploy it.
    const sub = {
      $schema: 'https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#', contentVersion: '1.0.0.0',
      resources: [{ type: 'Microsoft.Resources/deployments', apiVersion: '2021-04-01', name: 'cli-into-rg', resourceGroup: seed.ready.resourceGroup, properties: { mode: 'Incremental', template: { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [stored('c')] } } }],
    };
    writeFileSync(join(seed.dir, 'sub.json'), JSON.stringify(sub));
    const s = await runCli(['deploy', '--template', join(seed.dir, 'sub.json'), '--name', 'at-sub', '--ready-file', join(seed.dir, 'ready.json')]);
    expect(s.code, s.output).toBe(0);
    expect(s.output).toContain('  + Microsoft.Resources/deployments cli-into-rg\n');
    const r = await request(`${seed.ready.controlPlane}/subscriptions/${seed.ready.subscriptionId}/providers/Microsoft.Resources/deployments/at-sub?api-version=2021-04-01`, { dispatcher: seed.tls });
    expect(((await r.body.json()) as { properties: { provisioningState: string } }).properties.provisioningState).toBe('Succeeded');
  });
});

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { Agent, request } from 'undici';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';

const SUB = '1a2b3c4d-0000-4000-8000-000000000003';
const RG = 'rg-cp';
const RG_PATH = `/subscriptions/${SUB}/resourcegroups/${RG}`;
const DEPLOYMENTS = `${RG_PATH}/providers/Microsoft.Resources/deployments`;
const APIM = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ApiManagement/service/cp-apim`;
const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [
    { type: 'Microsoft.Storage/storageAccounts', apiVersion: '2022-09-01', name: 'cpstore1', location: 'westeurope', kind: 'StorageV2', sku: { name: 'Standard_LRS' } },
    { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 'cp-apim', location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, identity: { type: 'SystemAssigned' }, properties: { publisherEmail: 'a@b.c', publisherName: 'n' } },
    { type: 'Microsoft.ApiManagement/service/apis', apiVersion: '2022-08-01', name: 'cp-apim/echo', dependsOn: ['cp-apim'], properties: { path: 'echo', displayName: 'Echo', protocols: ['https'] } },
  ],
  outputs: { apiPath: { type: 'string', value: "[reference(resourceId('Microsoft.ApiManagement/service/apis', 'cp-apim', 'echo')).path]" } },
};

interface ArmError {
  error: { code: string; message: string; target?: string; details?: Array<{ code: string; message: string; target?: string; details?: unknown[] }>; additionalInfo?: Array<{ type: string; info: Record<string, unknown> }> };
}

/** Every `code` in an ARM error tree (top level and details, recursively). */
function codes(e: ArmError['error'] | undefined): string[] {
  if (!e) return [];
  return [e.code, ...(e.details ?? []).flatMap((d) => codes(d as ArmError['error']))];
}

describe('control plane (ARM REST)', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-cp-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1b', subscriptionId: SUB, resourceGroup: RG, location: 'westeurope', controlPlaneAuth: false, clock: systemClock, ids: randomIds, logger: silentLogger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
    const put = await deployed(`${DEPLOYMENTS}/d1?api-version=2021-04-01`, { properties: { mode: 'Incremental', template } });
    expect(put.status).toBe(201);
    expect(put.final.properties).toMatchObject({ provisioningState: 'Succeeded' });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const cp = (path: string, init: { method?: string; body?: string } = {}) =>
    request(`${twin.ready().controlPlane}${path}`, { dispatcher: tls, method: (init.method ?? 'GET') as 'GET', body: init.body, headers: { 'content-type': 'application/json' } });
  const json = async <T = Record<string, unknown>>(path: string, init: { method?: string; body?: string } = {}) => {
    const r = await cp(path, init);
    const text = await r.body.text();
    return { status: r.statusCode, headers: r.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };
  /**
   * PUT a deployment as the SDKs do: ARM answers at once (201/200, `Accepted`, Azure-AsyncOperation); poll the
   * operation until it ends, then GET the deployment (`final`).
   */
  const deployed = async <T = { properties: Record<string, unknown> }>(path: string, body: unknown) => {
    const put = await json<T & { properties: { provisioningState: string } }>(path, { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body) });
    if (put.status !== 200 && put.status !== 201) return { ...put, final: put.body };
    expect(put.body.properties.provisioningState).toBe('Accepted');
    const statusUrl = put.headers['azure-asyncoperation'] as string;
    for (let i = 0; i < 400; i++) {
      const st = await request(statusUrl, { dispatcher: tls });
      const op = (await st.body.json()) as { status: string };
      if (['Succeeded', 'Failed', 'Canceled'].includes(op.status)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const final = await json<T>(path);
    return { ...put, final: final.body };
  };

  it('GET resources as ARM shows them: no list* results, no twin-only client id, child names are the last segment', async () => {
    const store = await json(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/cpstore1?api-version=2022-09-01`);
    expect(store.status).toBe(200);
    expect(store.body.name).toBe('cpstore1');
    expect(store.body).not.toHaveProperty('listResults');
    expect(twin.store.getResource(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/cpstore1`)?.listResults).toHaveProperty('listkeys');
    const apim = await json<{ identity: Record<string, unknown> }>(`${APIM}?api-version=2022-08-01`);
    expect(Object.keys(apim.body.identity).sort()).toEqual(['principalId', 'tenantId', 'type']);
    const api = await json(`${APIM}/apis/echo?api-version=2022-08-01`);
    expect(api.body).toMatchObject({ id: `${APIM}/apis/echo`, name: 'echo', type: 'Microsoft.ApiManagement/service/apis' });
  });

  it('reads the path the SDKs send for getById (`//subscriptions/…`)', async () => {
    const r = await json(`/${APIM}?api-version=2022-08-01`);
    expect(r.status).toBe(200);
    expect(r.body.name).toBe('cp-apim');
  });

  it('a body of null, an array, a string, nothing or broken JSON is ARM\'s 400 InvalidRequestContent, never a 500', async () => {
    for (const body of ['null', '[]', '"x"', '', '{"properties":', '42']) {
      const r = await json<ArmError>(`${DEPLOYMENTS}/bad?api-version=2021-04-01`, { method: 'PUT', body });
      expect(r.status, body).toBe(400);
      expect(r.body.error.code, body).toBe('InvalidRequestContent');
    }
    const noProps = await json<ArmError>(`${DEPLOYMENTS}/bad?api-version=2021-04-01`, { method: 'PUT', body: '{}' });
    expect(noProps.status).toBe(400);
    expect(noProps.body.error.code).toBe('InvalidRequestContent');
    const link = await json<ArmError>(`${DEPLOYMENTS}/bad?api-version=2021-04-01`, { method: 'PUT', body: JSON.stringify({ properties: { templateLink: { uri: 'https://example.com/t.json' } } }) });
    expect(link.body.error.code).toBe('InvalidContentLink');
    const mode = await json<ArmError>(`${DEPLOYMENTS}/bad?api-version=2021-04-01`, { method: 'PUT', body: JSON.stringify({ properties: { mode: 'Sometimes', template } }) });
    expect(mode.body.error.code).toBe('InvalidRequestContent');
    expect((await json(`${DEPLOYMENTS}/bad?api-version=2021-04-01`)).status).toBe(404);
  });

  it('reads bodies as ARM (Newtonsoft) does: comments, trailing commas and the bare `template:` key the az CLI splices in', async () => {
    const text = `{"properties": {"mode": "Incremental", template:{\n  // a comment\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n  "contentVersion": "1.0.0.0",\n  "resources": [],\n  "outputs": { "x": { "type": "string", "value": "a: b, c" }, },\n}}}`;
    const done = await deployed<{ properties: { outputs: { x: { value: string } } } }>(`${DEPLOYMENTS}/jsonc?api-version=2021-04-01`, text);
    expect(done.status).toBe(201);
    expect(done.final.properties).toMatchObject({ provisioningState: 'Succeeded', outputs: { x: { value: 'a: b, c' } } });
  });

  it('requires api-version: missing → MissingApiVersionParameter; unknown ARM version → InvalidApiVersionParameter; malformed provider version → NoRegisteredProviderFound', async () => {
    const missing = await json<ArmError>(`${APIM}`);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: { code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.' } });
    const dep = await json<ArmError>(`${DEPLOYMENTS}/d1?api-version=2099-01-01`);
    expect(dep.status).toBe(400);
    expect(dep.body.error.code).toBe('InvalidApiVersionParameter');
    expect(dep.body.error.message).toMatch(/^The api-version '2099-01-01' is invalid\. The supported versions are '2025-04-01,.*2021-04-01/);
    const rp = await json<ArmError>(`${APIM}?api-version=latest`);
    expect(rp.status).toBe(400);
    expect(rp.body.error.code).toBe('NoRegisteredProviderFound');
    expect(rp.body.error.message).toContain("for type 'service'");
    expect((await json(`/subscriptions?`)).status).toBe(400);
  });

  it('lists collections: resource group resources, subscription resources, deployments, a type under a parent, operations', async () => {
    const rgResources = await json<{ value: Array<{ id: string; name: string; type: string }> }>(`${RG_PATH}/resources?api-version=2021-04-01`);
    expect(rgResources.body.value.map((r) => r.name).sort()).toEqual(['cp-apim', 'cpstore1']);
    expect((await json<{ value: unknown[] }>(`/subscriptions/${SUB}/resources?api-version=2021-04-01`)).body.value).toHaveLength(2);
    // ARM's $filter and $top; a filter the twin cannot read is ARM's 400, never a wider listing.
    const byType = await json<{ value: Array<{ name: string }> }>(`${RG_PATH}/resources?api-version=2021-04-01&$filter=${encodeURIComponent("resourceType eq 'microsoft.storage/storageaccounts'")}`);
    expect(byType.body.value.map((r) => r.name)).toEqual(['cpstore1']);
    const byName = await json<{ value: Array<{ name: string }> }>(`/subscriptions/${SUB}/resources?api-version=2021-04-01&$filter=${encodeURIComponent("substringof('apim', name) and location eq 'westeurope'")}`);
    expect(byName.body.value.map((r) => r.name)).toEqual(['cp-apim']);
    expect((await json<{ value: unknown[] }>(`${RG_PATH}/resources?api-version=2021-04-01&$top=1`)).body.value).toHaveLength(1);
    const badFilter = await json<ArmError>(`${RG_PATH}/resources?api-version=2021-04-01&$filter=${encodeURIComponent("identity/principalId eq 'x'")}`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.error).toEqual({ code: 'InvalidFilterInQueryString', message: "Invalid $filter 'identity/principalId eq 'x'' specified in the query string." });
    // A type across the subscription (`az webapp list`, the SDKs' list() without a resource group).
    const subApims = await json<{ value: Array<{ id: string; name: string }> }>(`/subscriptions/${SUB}/providers/Microsoft.ApiManagement/service?api-version=2022-08-01`);
    expect(subApims.body.value.map((a) => a.name)).toEqual(['cp-apim']);
    const deployments = await json<{ value: Array<{ name: string; properties: { provisioningState: string } }> }>(`${DEPLOYMENTS}?api-version=2021-04-01`);
    expect(deployments.body.value.find((d) => d.name === 'd1')?.properties.provisioningState).toBe('Succeeded');
    const apis = await json<{ value: Array<{ name: string }> }>(`${APIM}/apis?api-version=2022-08-01`);
    expect(apis.body.value.map((a) => a.name)).toEqual(['echo']);
    const storages = await json<{ value: Array<{ name: string }> }>(`${RG_PATH}/providers/Microsoft.Storage/storageAccounts?api-version=2022-09-01`);
    expect(storages.body.value.map((a) => a.name)).toEqual(['cpstore1']);
    const ops = await json<{ value: Array<{ operationId: string; properties: { provisioningOperation: string; provisioningState: string; statusCode: string; targetResource?: { id: string; resourceType: string; resourceName: string } } }> }>(`${DEPLOYMENTS}/d1/operations?api-version=2021-04-01`);
    const targets = ops.body.value.filter((o) => o.properties.targetResource).map((o) => o.properties.targetResource!.resourceName);
    expect(targets).toEqual(['cpstore1', 'cp-apim', 'cp-apim/echo']);
    expect(ops.body.value.every((o) => /^[0-9A-F]{16}$/.test(o.operationId) && o.properties.provisioningState === 'Succeeded')).toBe(true);
    expect(ops.body.value.find((o) => o.properties.provisioningOperation === 'EvaluateDeploymentOutput')).toBeDefined();
    const one = await json<{ operationId: string }>(`${DEPLOYMENTS}/d1/operations/${ops.body.value[0]!.operationId}?api-version=2021-04-01`);
    expect(one.body.operationId).toBe(ops.body.value[0]!.operationId);
  });

  it('a deployment record carries ARM\'s properties; exportTemplate answers the template', async () => {
    const d = await json<{ id: string; type: string; properties: Record<string, unknown> }>(`${DEPLOYMENTS}/d1?api-version=2021-04-01`);
    expect(d.body.type).toBe('Microsoft.Resources/deployments');
    expect(d.body.properties).toMatchObject({ provisioningState: 'Succeeded', mode: 'Incremental', outputs: { apiPath: { value: 'echo' } } });
    expect(d.body.properties.templateHash).toMatch(/^\d+$/);
    expect(d.body.properties.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.body.properties.duration).toMatch(/^PT(\d+M)?[\d.]+S$/);
    expect(d.body).not.toHaveProperty('listResults');
    const exported = await json<{ template: unknown }>(`${DEPLOYMENTS}/d1/exportTemplate?api-version=2021-04-01`, { method: 'POST' });
    expect(exported.body.template).toEqual(template);
    const head = await cp(`${DEPLOYMENTS}/d1?api-version=2021-04-01`, { method: 'HEAD' });
    expect(head.statusCode).toBe(204);
    await head.body.dump();
    const cancel = await json<ArmError>(`${DEPLOYMENTS}/d1/cancel?api-version=2021-04-01`, { method: 'POST' });
    expect(cancel.status).toBe(409);
  });

  it('a deployment made outside the control plane (trustline up, Twin.deploy) has the same history: operations, exportTemplate, ARM\'s properties', async () => {
    const lib = { ...template, resources: [{ type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name: 'from-lib', location: 'westeurope', properties: {} }], outputs: {} };
    await twin.deploy({ deploymentName: 'lib', template: { text: JSON.stringify(lib), file: 'lib.json' } });
    const d = await json<{ properties: Record<string, unknown> }>(`${DEPLOYMENTS}/lib?api-version=2021-04-01`);
    expect(d.body.properties).toMatchObject({ provisioningState: 'Succeeded', templateHash: expect.stringMatching(/^\d+$/), correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const ops = await json<{ value: Array<{ properties: { provisioningOperation: string; statusCode: string; targetResource: { resourceName: string } } }> }>(`${DEPLOYMENTS}/lib/operations?api-version=2021-04-01`);
    expect(ops.body.value.map((o) => [o.properties.provisioningOperation, o.properties.statusCode, o.properties.targetResource.resourceName])).toEqual([['Create', 'Created', 'from-lib']]);
    const exported = await json<{ template: unknown }>(`${DEPLOYMENTS}/lib/exportTemplate?api-version=2021-04-01`, { method: 'POST' });
    expect(exported.body.template).toEqual(lib);
  });

  it('resource group exportTemplate (az group export): 202 + Location, then the template with names parameterized as ARM\'s export writes them', async () => {
    const started = await json(`${RG_PATH}/exportTemplate?api-version=2021-04-01`, { method: 'POST', body: JSON.stringify({ resources: ['*'], options: 'IncludeParameterDefaultValue' }) });
    expect(started.status).toBe(202);
    const done = await request(started.headers['location'] as string, { dispatcher: tls });
    expect(done.statusCode).toBe(200);
    const { template, error } = (await done.body.json()) as { template: { parameters: Record<string, { type: string; defaultValue?: string }>; resources: Array<{ type: string; name: string; dependsOn?: string[]; properties: Record<string, unknown> }> }; error?: unknown };
    expect(error).toBeUndefined();
    expect(template.parameters['service_cp_apim_name']).toEqual({ type: 'String', defaultValue: 'cp-apim' });
    const api = template.resources.find((r) => r.type === 'Microsoft.ApiManagement/service/apis')!;
    expect(api.name).toBe("[concat(parameters('service_cp_apim_name'), '/echo')]");
    expect(api.dependsOn).toEqual(["[resourceId('Microsoft.ApiManagement/service', parameters('service_cp_apim_name'))]"]);
    expect(api.properties).toMatchObject({ path: 'echo' });
    expect(template.resources.some((r) => r.type === 'Microsoft.Resources/deployments')).toBe(false);
    // A chosen set, literal names; an id the group does not hold is named in `error`, the rest exported.
    const some = await json(`${RG_PATH}/exportTemplate?api-version=2018-05-01`, { method: 'POST', body: JSON.stringify({ resources: [`${APIM}`, `${APIM}/apis/nope`], options: 'SkipAllParameterization' }) });
    const body = some.body as { template: { resources: Array<{ name: string }> }; error: { code: string; details: Array<{ target: string }> } };
    expect(some.status).toBe(200);
    expect(body.template.resources.map((r) => r.name)).toEqual(['cp-apim']);
    expect(body.error).toMatchObject({ code: 'ExportTemplateCompletedWithErrors', details: [{ target: `${APIM}/apis/nope` }] });
    expect((await json<ArmError>(`${RG_PATH}/exportTemplate?api-version=2021-04-01`, { method: 'POST', body: '{}' })).body.error.code).toBe('InvalidRequestContent');
  });

  it('deployment names: more than 64 characters or other characters than letters, digits and -._() are ARM\'s 400 InvalidDeployment', async () => {
    const body = JSON.stringify({ properties: { template: { ...template, resources: [], outputs: {} } } });
    const long = await json<ArmError>(`${DEPLOYMENTS}/${'x'.repeat(65)}?api-version=2021-04-01`, { method: 'PUT', body });
    expect(long.status).toBe(400);
    expect(long.body.error).toEqual({ code: 'InvalidDeployment', message: `The provided deployment name '${'x'.repeat(65)}' has a length of '65' which exceeds the maximum length of '64'. Please see https://aka.ms/arm-deploy for usage details.` });
    const odd = await json<ArmError>(`${DEPLOYMENTS}/bad%20name!?api-version=2021-04-01`, { method: 'PUT', body });
    expect(odd.status).toBe(400);
    expect(odd.body.error.code).toBe('InvalidDeployment');
    expect((await json(`${DEPLOYMENTS}/ok_(1).b-c?api-version=2021-04-01`, { method: 'PUT', body })).status).toBe(201);
  });

  it('resource groups: GET, HEAD 204/404, unknown group 404; subscriptions, tenants, providers, metadata/endpoints', async () => {
    const rg = await json(`${RG_PATH}?api-version=2021-04-01`);
    expect(rg.body).toEqual({ id: `/subscriptions/${SUB}/resourceGroups/${RG}`, name: RG, type: 'Microsoft.Resources/resourceGroups', location: 'westeurope', properties: { provisioningState: 'Succeeded' } });
    const head = await cp(`${RG_PATH}?api-version=2021-04-01`, { method: 'HEAD' });
    expect(head.statusCode).toBe(204);
    await head.body.dump();
    const headMissing = await cp(`/subscriptions/${SUB}/resourcegroups/nope?api-version=2021-04-01`, { method: 'HEAD' });
    expect(headMissing.statusCode).toBe(404);
    await headMissing.body.dump();
    const other = await json(`/subscriptions/${SUB}/resourcegroups/other/providers/Microsoft.Resources/deployments/d3?api-version=2021-04-01`, { method: 'PUT', body: JSON.stringify({ properties: { template } }) });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: { code: 'ResourceGroupNotFound', message: "Resource group 'other' could not be found." } });
    const subs = await json<{ value: Array<{ subscriptionId: string; tenantId: string; state: string }> }>(`/subscriptions?api-version=2022-12-01`);
    expect(subs.body.value).toEqual([expect.objectContaining({ subscriptionId: SUB, tenantId: twin.ready().tenantId, state: 'Enabled' })]);
    expect((await json(`/subscriptions/${SUB}?api-version=2022-12-01`)).body).toMatchObject({ id: `/subscriptions/${SUB}`, displayName: 'Trustline' });
    expect((await json(`/subscriptions/00000000-0000-0000-0000-000000000000?api-version=2022-12-01`)).body).toMatchObject({ error: { code: 'SubscriptionNotFound' } });
    const tenants = await json<{ value: Array<{ tenantId: string }> }>(`/tenants?api-version=2022-12-01`);
    expect(tenants.body.value[0]!.tenantId).toBe(twin.ready().tenantId);
    const web = await json<{ namespace: string; registrationState: string; resourceTypes: Array<{ resourceType: string; apiVersions: string[] }> }>(`/subscriptions/${SUB}/providers/Microsoft.ApiManagement?api-version=2021-04-01`);
    expect(web.body.registrationState).toBe('Registered');
    expect(web.body.resourceTypes.find((t) => t.resourceType === 'service')?.apiVersions).toEqual(['2022-08-01']);
    expect((await json(`/subscriptions/${SUB}/providers/Contoso.Nothing?api-version=2021-04-01`)).body).toMatchObject({ error: { code: 'InvalidResourceNamespace' } });
    const legacy = await json<{ authentication: { loginEndpoint: string; audiences: string[] } }>(`/metadata/endpoints?api-version=2015-01-01`);
    expect(legacy.body.authentication.audiences).toContain('https://management.azure.com/');
    expect(legacy.body.authentication.loginEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const clouds = await json<Array<{ name: string; resourceManager: string }>>(`/metadata/endpoints?api-version=2019-05-01`);
    expect(clouds.body[0]!.resourceManager).toBe(`${twin.ready().controlPlane}/`);
  });

  it('deployment errors carry ARM codes only: validation is 400 InvalidTemplate with a TemplateViolation; a rejected resource fails the deployment (DeploymentFailed, per-resource detail, failed operation)', async () => {
    const bad = await json<ArmError>(`${DEPLOYMENTS}/d2?api-version=2021-04-01`, {
      method: 'PUT',
      body: JSON.stringify({ properties: { template: { ...template, resources: [{ type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: "[nope('x')]", properties: {} }] } } }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'InvalidTemplate', message: expect.stringMatching(/^Deployment template validation failed: '.*nope/) });
    expect(codes(bad.body.error).every((c) => !c.startsWith('ERR_'))).toBe(true);
    expect(bad.body.error.additionalInfo?.find((a) => a.type === 'TrustlineError')?.info.code).toBe('ERR_ARM_FUNCTION_UNKNOWN');
    expect((await json(`${DEPLOYMENTS}/d2?api-version=2021-04-01`)).status).toBe(404);

    const failing = { ...template, outputs: {}, resources: [...template.resources, { type: 'Microsoft.ApiManagement/service/apis', apiVersion: '2022-08-01', name: 'cp-apim/nopath', dependsOn: ['cp-apim'], properties: { displayName: 'x' } }] };
    const put = await deployed(`${DEPLOYMENTS}/d3?api-version=2021-04-01`, { properties: { template: failing } });
    expect(put.status).toBe(201);
    expect(put.final.properties['provisioningState']).toBe('Failed');
    const status = await request(put.headers['azure-asyncoperation'] as string, { dispatcher: tls });
    expect(await status.body.json()).toMatchObject({ status: 'Failed', error: { code: 'DeploymentFailed' } });
    const d3 = await json<{ properties: { error: ArmError['error'] } }>(`${DEPLOYMENTS}/d3?api-version=2021-04-01`);
    const nopath = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ApiManagement/service/cp-apim/apis/nopath`;
    expect(d3.body.properties.error).toMatchObject({ code: 'DeploymentFailed', target: expect.stringContaining('/deployments/d3'), details: [{ code: 'BadRequest', target: nopath }] });
    expect(codes(d3.body.properties.error).every((c) => !c.startsWith('ERR_'))).toBe(true);
    const ops = await json<{ value: Array<{ properties: { provisioningState: string; statusCode: string; statusMessage?: { error: { code: string } } } }> }>(`${DEPLOYMENTS}/d3/operations?api-version=2021-04-01`);
    expect(ops.body.value.find((o) => o.properties.provisioningState === 'Failed')?.properties).toMatchObject({ statusCode: 'BadRequest', statusMessage: { error: { code: 'BadRequest' } } });
    const failed = await json<{ value: Array<{ name: string }> }>(`${DEPLOYMENTS}?api-version=2021-04-01&$filter=provisioningState%20eq%20'Failed'`);
    expect(failed.body.value.map((d) => d.name)).toEqual(['d3']);
  });

  it('validate answers 200 with the validated resources or 400; whatIf answers 202 + Location, then ARM\'s changes', async () => {
    const ok = await json<{ properties: { validatedResources: Array<{ id: string }> } }>(`${DEPLOYMENTS}/v1/validate?api-version=2021-04-01`, { method: 'POST', body: JSON.stringify({ properties: { template } }) });
    expect(ok.status).toBe(200);
    expect(ok.body.properties.validatedResources).toHaveLength(3);
    const invalid = await json<ArmError>(`${DEPLOYMENTS}/v1/validate?api-version=2021-04-01`, { method: 'POST', body: JSON.stringify({ properties: { template: { ...template, resources: [{ type: 'x', name: 'y' }] } } }) });
    expect(invalid.status).toBe(400);
    expect((await json(`${DEPLOYMENTS}/v1?api-version=2021-04-01`)).status).toBe(404);

    const changed = structuredClone(template) as typeof template & { resources: Array<Record<string, unknown>> };
    (changed.resources[2]!.properties as Record<string, unknown>).displayName = 'Echo v2';
    changed.resources.push({ type: 'Microsoft.Storage/storageAccounts', apiVersion: '2022-09-01', name: 'cpstore2', location: 'westeurope', kind: 'StorageV2', sku: { name: 'Standard_LRS' } });
    const before = twin.store.listResources().length;
    const wi = await cp(`${DEPLOYMENTS}/w1/whatIf?api-version=2021-04-01`, { method: 'POST', body: JSON.stringify({ properties: { mode: 'Complete', template: { ...changed, resources: changed.resources.filter((r) => r.name !== 'cpstore1') } } }) });
    expect(wi.statusCode).toBe(202);
    await wi.body.dump();
    const poll = await json<{ status: string; properties: { changes: Array<{ resourceId: string; changeType: string; delta?: Array<{ path: string; propertyChangeType: string; before?: unknown; after?: unknown }> }> } }>(
      new URL(wi.headers.location as string).pathname + new URL(wi.headers.location as string).search,
    );
    expect(poll.status).toBe(200);
    const byName = Object.fromEntries(poll.body.properties.changes.map((c) => [c.resourceId.split('/').pop(), c]));
    expect(byName['cpstore2']?.changeType).toBe('Create');
    expect(byName['cpstore1']?.changeType).toBe('Delete');
    // Only what Complete mode deletes (ARM's per-type rule): not the service's built-in subscription the template lacks.
    expect(poll.body.properties.changes.filter((c) => c.changeType === 'Delete' && c.resourceId.includes('/service/cp-apim/'))).toEqual([]);
    expect(byName['cp-apim']?.changeType).toBe('NoChange');
    expect(byName['echo']).toMatchObject({ changeType: 'Modify', delta: [{ path: 'properties.displayName', propertyChangeType: 'Modify', before: 'Echo', after: 'Echo v2' }] });
    expect(twin.store.listResources().length).toBe(before);
  });

  it('DELETE a resource: 200, then GET 404, DELETE again 204; unknown methods 405', async () => {
    const id = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/cpstore1`;
    const del = await cp(`${id}?api-version=2022-09-01`, { method: 'DELETE' });
    expect(del.statusCode).toBe(200);
    await del.body.dump();
    expect((await json(`${id}?api-version=2022-09-01`)).status).toBe(404);
    const again = await cp(`${id}?api-version=2022-09-01`, { method: 'DELETE' });
    expect(again.statusCode).toBe(204);
    await again.body.dump();
    expect((await json<ArmError>(`${APIM}?api-version=2022-08-01`, { method: 'POST', body: '{}' })).body.error.code).toBe('MethodNotAllowed');
  });

  it('answers only requests addressed to it (DNS-rebinding guard): another Host gets 400 Invalid Hostname', async () => {
    const url = new URL(twin.ready().controlPlane);
    const ca = readFileSync(twin.ready().caCertificate, 'utf8');
    const call = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest({ hostname: '127.0.0.1', port: url.port, path: '/subscriptions?api-version=2022-12-01', ca, servername: 'localhost', headers: { host } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const evil = await call(`evil.example:${url.port}`);
    expect(evil.status).toBe(400);
    expect(evil.body).toContain('Invalid Hostname');
    expect((await call('management.azure.com')).status).toBe(200);
    expect((await call(`localhost:${url.port}`)).status).toBe(200);
  });
  it('subscription-scope deployments: PUT/GET/list/operations under /subscriptions/{s}/providers/Microsoft.Resources/deployments; location required; a nested deployment reaches the resource group', async () => {
    const SUB_DEPLOYMENTS = `/subscriptions/${SUB}/providers/Microsoft.Resources/deployments`;
    const subTemplate = {
      $schema: 'https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      resources: [
        {
          type: 'Microsoft.Resources/deployments', apiVersion: '2021-04-01', name: 'into-rg', resourceGroup: RG,
          properties: { mode: 'Incremental', template: { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [{ type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name: 'from-sub', location: 'westeurope', properties: { size: 2 } }] } },
        },
      ],
      outputs: { sub: { type: 'string', value: '[subscription().subscriptionId]' } },
    };
    const noLocation = await json<ArmError>(`${SUB_DEPLOYMENTS}/s1?api-version=2021-04-01`, { method: 'PUT', body: JSON.stringify({ properties: { mode: 'Incremental', template: subTemplate } }) });
    expect(noLocation.status).toBe(400);
    expect(noLocation.body.error).toMatchObject({ code: 'InvalidDeployment', message: expect.stringContaining("The 'location' property must be specified for 's1'") });
    const put = await deployed<{ id: string; location: string; properties: { outputs: Record<string, { value: unknown }> } }>(`${SUB_DEPLOYMENTS}/s1?api-version=2021-04-01`, { location: 'westeurope', properties: { mode: 'Incremental', template: subTemplate } });
    expect(put.status).toBe(201);
    expect(put.headers['azure-asyncoperation']).toContain(`${SUB_DEPLOYMENTS}/s1/operationStatuses/`);
    const got = await json<typeof put.final>(`${SUB_DEPLOYMENTS}/s1?api-version=2021-04-01`);
    expect(got.body).toMatchObject({ id: `${SUB_DEPLOYMENTS}/s1`, location: 'westeurope', properties: { provisioningState: 'Succeeded', outputs: { sub: { value: SUB } } } });
    expect((await json(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Contoso.Widgets/things/from-sub?api-version=2024-01-01`)).status).toBe(200);
    const list = await json<{ value: Array<{ name: string }> }>(`${SUB_DEPLOYMENTS}?api-version=2021-04-01`);
    expect(list.body.value.map((d) => d.name)).toEqual(['s1']);
    const ops = await json<{ value: Array<{ properties: { targetResource?: { resourceType: string } } }> }>(`${SUB_DEPLOYMENTS}/s1/operations?api-version=2021-04-01`);
    expect(ops.body.value.map((o) => o.properties.targetResource?.resourceType).filter(Boolean)).toEqual(['Microsoft.Resources/deployments']);
    // What the nested deployment deployed are its own operations (it is a deployment of the resource group).
    const nestedOps = await json<typeof ops.body>(`${DEPLOYMENTS}/into-rg/operations?api-version=2021-04-01`);
    expect(nestedOps.body.value.map((o) => o.properties.targetResource?.resourceType)).toEqual(['Contoso.Widgets/things']);
    // The resource group's history does not list it.
    const rgList = await json<{ value: Array<{ name: string }> }>(`${DEPLOYMENTS}?api-version=2021-04-01`);
    expect(rgList.body.value.map((d) => d.name)).not.toContain('s1');
    const complete = await json<ArmError>(`${SUB_DEPLOYMENTS}/s2?api-version=2021-04-01`, { method: 'PUT', body: JSON.stringify({ location: 'westeurope', properties: { mode: 'Complete', template: subTemplate } }) });
    expect(complete.body.error.code).toBe('InvalidDeployment');
  });

  it('Complete mode removes what the template no longer has, one Delete operation each; onErrorDeployment redeploys the last successful deployment', async () => {
    const stored = (name: string) => ({ type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name, location: 'westeurope', properties: { size: 1 } });
    const base = { ...template, resources: [stored('keep'), stored('drop')], outputs: {} };
    const put = async (name: string, body: unknown) => (await deployed<{ properties: { provisioningState: string; onErrorDeployment?: Record<string, unknown> } }>(`${DEPLOYMENTS}/${name}?api-version=2021-04-01`, body)).final;
    expect((await put('c1', { properties: { mode: 'Incremental', template: base } })).properties.provisioningState).toBe('Succeeded');
    const complete = await put('c2', { properties: { mode: 'Complete', template: { ...base, resources: [stored('keep')] } } });
    expect(complete.properties.provisioningState).toBe('Succeeded');
    const ops = await json<{ value: Array<{ properties: { provisioningOperation: string; statusCode: string; targetResource: { resourceType: string; resourceName: string } } }> }>(`${DEPLOYMENTS}/c2/operations?api-version=2021-04-01`);
    const deleted = ops.body.value.filter((o) => o.properties.provisioningOperation === 'Delete').map((o) => `${o.properties.targetResource.resourceType} ${o.properties.targetResource.resourceName}`);
    expect(deleted).toEqual(expect.arrayContaining(['Contoso.Widgets/things drop', 'Microsoft.ApiManagement/service cp-apim']));
    // ARM deletes the service; its APIs go with it, without an operation of their own.
    expect(deleted.filter((d) => d.startsWith('Microsoft.ApiManagement/service/'))).toEqual([]);
    expect(deleted).not.toContain('Contoso.Widgets/things keep');
    expect(ops.body.value.filter((o) => o.properties.provisioningOperation === 'Create').map((o) => o.properties.targetResource.resourceName)).toEqual(['keep']);
    expect((await json(`${APIM}?api-version=2022-08-01`)).status).toBe(404);
    const things = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Contoso.Widgets/things`;
    expect((await json(`${things}/drop?api-version=2024-01-01`)).status).toBe(404);

    // A deployment that fails after acceptance, with onErrorDeployment: the last successful one (c2) runs again.
    const failing = { ...base, resources: [stored('drop'), { type: 'Microsoft.Web/sites/config', apiVersion: '2022-09-01', name: 'nosite/authsettingsV2', properties: { platform: { enabled: 'maybe' } } }] };
    const failed = await put('c3', { properties: { mode: 'Incremental', template: failing, onErrorDeployment: { type: 'LastSuccessful' } } });
    expect(failed.properties.provisioningState).toBe('Failed');
    expect(failed.properties.onErrorDeployment).toEqual({ type: 'LastSuccessful', deploymentName: 'c2', provisioningState: 'Succeeded' });
    expect((await json(`${things}/drop?api-version=2024-01-01`)).status).toBe(404);
    expect((await json(`${things}/keep?api-version=2024-01-01`)).status).toBe(200);
  });
});

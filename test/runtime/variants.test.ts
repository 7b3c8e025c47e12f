/**
 * The twin runs any template of the seed's shape, not only the example: other names and paths, the policy
 * at operation scope, the tenant from subscription().tenantId, and the classic misconfigurations that
 * Azure answers with a bare 401 or 403.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { decodeJwt } from 'jose';
import { memoryLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { SEED } from '../helpers/seed.js';

const TENANT = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
const CLIENT = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';

type Resource = { type: string; name: string; properties: Record<string, any>; dependsOn?: string[] };
type Template = { parameters: Record<string, any>; resources: Resource[] };

function seed(): Template {
  return JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8')) as Template;
}
const byType = (t: Template, type: string) => t.resources.find((r) => r.type === type)!;
const policyXml = (resource: string) =>
  `<policies><inbound><base /><authentication-managed-identity resource="${resource}" output-token-variable-name="t" /><set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["t"])</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

describe('templates of the seed shape', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  const logger = memoryLogger();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-variants-'));
    twin = await startTwin({
      stateDir: dir,
      inMemory: true,
      tenantId: TENANT,
      subscriptionId: '1a2b3c4d-0000-4000-8000-000000000001',
      resourceGroup: 'rg-variants',
      location: 'northeurope',
      clock: systemClock,
      ids: randomIds,
      logger,
    });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (apim: string, path: string) => {
    const res = await request(twin.ready().apim[apim]!.gatewayUrl + path, { dispatcher: tls });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as { path: string; headers: Record<string, string> } };
  };

  it('other names and paths, the policy at operation scope, the tenant from subscription().tenantId', async () => {
    const t = seed();
    expect(t.parameters.tenantID.defaultValue).toBe('[subscription().tenantId]'); // no tenantID passed below
    const api = byType(t, 'Microsoft.ApiManagement/service/apis');
    api.name = "[concat(parameters('apimServiceName'), '/orders')]";
    api.properties.path = 'orders/v1';
    const op = byType(t, 'Microsoft.ApiManagement/service/apis/operations');
    op.name = "[concat(parameters('apimServiceName'), '/orders/get-item')]";
    op.properties.urlTemplate = '/items/{id}';
    op.dependsOn = ["[resourceId('Microsoft.ApiManagement/service/apis', parameters('apimServiceName'), 'orders')]"];
    const pol = byType(t, 'Microsoft.ApiManagement/service/apis/policies');
    pol.type = 'Microsoft.ApiManagement/service/apis/operations/policies';
    pol.name = "[concat(parameters('apimServiceName'), '/orders/get-item/policy')]";
    pol.dependsOn = ["[resourceId('Microsoft.ApiManagement/service/apis/operations', parameters('apimServiceName'), 'orders', 'get-item')]"];
    await twin.deploy({
      deploymentName: 'orders',
      template: t,
      parameters: { sites_function_name: { value: 'orders-fn' }, apimServiceName: { value: 'orders-apim' }, appClientId: { value: CLIENT } },
    });
    const r = await call('orders-apim', '/orders/v1/items/42?expand=true');
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body.path).toBe('/api/items/42');
    expect(body.headers.host).toBe('orders-fn.azurewebsites.net');
    expect(body.headers['x-ms-client-principal-id']).toBe(twin.ready().apim['orders-apim']!.principalId);
    expect(decodeJwt(body.headers.authorization!.slice(7))).toMatchObject({ iss: `https://sts.windows.net/${TENANT}/`, tid: TENANT, aud: CLIENT });
    // the operation-scoped policy does not apply to another path of the API: no operation matches
    const other = await call('orders-apim', '/orders/v1/nothing');
    expect(other.status).toBe(404);
    expect(JSON.parse(other.text)).toEqual({ statusCode: 404, message: 'Resource not found' });
  });

  it("resource api://{clientId} without allowedAudiences: Easy Auth answers 401 (aud is not the bare client id)", async () => {
    const t = seed();
    byType(t, 'Microsoft.ApiManagement/service/apis/policies').properties.value = policyXml(`api://${CLIENT}`);
    await twin.deploy({ deploymentName: 'aud-missing', template: t, parameters: { sites_function_name: { value: 'aud-fn' }, apimServiceName: { value: 'aud-apim' }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } } });
    const r = await call('aud-apim', '/functions/hello');
    expect(r.status).toBe(401);
    expect(String(r.headers['www-authenticate'])).toMatch(/^Bearer /);
    // the twin explains what Azure does not
    // (the line ends with the request's id, which `trustline explain --request-id` takes)
    expect(logger.lines).toContainEqual(
      expect.stringMatching(new RegExp(`^\\[info\\] site aud-fn: 401 GET /api/hello: audience: aud 'api://${CLIENT}' is neither the clientId nor in allowedAudiences \\[\\]`)),
    );
  });

  it('the same with allowedAudiences ["api://{clientId}"]: 200', async () => {
    const t = seed();
    byType(t, 'Microsoft.ApiManagement/service/apis/policies').properties.value = policyXml(`api://${CLIENT}`);
    byType(t, 'Microsoft.Web/sites/config').properties.identityProviders.azureActiveDirectory.validation = { allowedAudiences: [`api://${CLIENT}`] };
    await twin.deploy({ deploymentName: 'aud-listed', template: t, parameters: { sites_function_name: { value: 'aud-fn' }, apimServiceName: { value: 'aud-apim' }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } } });
    const r = await call('aud-apim', '/functions/hello');
    expect(r.status).toBe(200);
    expect(decodeJwt(r.json().headers.authorization!.slice(7)).aud).toBe(`api://${CLIENT}`);
  });

  it("the portal's default client requirement (allowedApplications = [own client id]) refuses APIM with 403; APIM's client id lets it in", async () => {
    const t = seed();
    const aad = byType(t, 'Microsoft.Web/sites/config').properties.identityProviders.azureActiveDirectory;
    aad.validation = { defaultAuthorizationPolicy: { allowedApplications: [CLIENT] } };
    const params = { sites_function_name: { value: 'apps-fn' }, apimServiceName: { value: 'apps-apim' }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } };
    await twin.deploy({ deploymentName: 'apps-self', template: t, parameters: params });
    const refused = await call('apps-apim', '/functions/hello');
    expect(refused.status).toBe(403);
    const apimClientId = twin.ready().apim['apps-apim']!.clientId!;
    aad.validation = { defaultAuthorizationPolicy: { allowedApplications: [apimClientId] } };
    await twin.deploy({ deploymentName: 'apps-apim', template: t, parameters: params });
    expect((await call('apps-apim', '/functions/hello')).status).toBe(200);
  });

  it('allowedPrincipals.identities names the APIM principal id (object id), not its client id', async () => {
    const t = seed();
    const aad = byType(t, 'Microsoft.Web/sites/config').properties.identityProviders.azureActiveDirectory;
    const params = { sites_function_name: { value: 'ids-fn' }, apimServiceName: { value: 'ids-apim' }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } };
    await twin.deploy({ deploymentName: 'ids-1', template: t, parameters: params });
    const apim = twin.ready().apim['ids-apim']!;
    aad.validation = { defaultAuthorizationPolicy: { allowedPrincipals: { identities: [apim.clientId] } } };
    await twin.deploy({ deploymentName: 'ids-2', template: t, parameters: params });
    expect((await call('ids-apim', '/functions/hello')).status).toBe(403);
    aad.validation = { defaultAuthorizationPolicy: { allowedPrincipals: { identities: [apim.principalId] } } };
    await twin.deploy({ deploymentName: 'ids-3', template: t, parameters: params });
    expect((await call('ids-apim', '/functions/hello')).status).toBe(200);
  });
});

/**
 * Seed variants through the running twin (issue 6 acceptance): a user-assigned identity chosen by
 * client-id (only identities attached to the service), ignore-error="true" with a failing token
 * request, the token attached inside send-request, validate-jwt in front of the managed-identity call.
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

type Resource = { type: string; name: string; properties: Record<string, any>; dependsOn?: string[]; identity?: Record<string, unknown>; apiVersion?: string; location?: string };
type Template = { parameters: Record<string, any>; resources: Resource[] };

const seed = (): Template => JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8')) as Template;
const byType = (t: Template, type: string) => t.resources.find((r) => r.type === type)!;
const tail = `<backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

describe('gateway variants of the seed through the running twin', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  const logger = memoryLogger();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-gw-variants-'));
    twin = await startTwin({
      stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000002', resourceGroup: 'rg-gw',
      location: 'northeurope', clock: systemClock, ids: randomIds, logger,
    });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (apim: string, path: string, headers: Record<string, string> = {}) => {
    const res = await request(twin.ready().apim[apim]!.gatewayUrl + path, { dispatcher: tls, headers });
    const text = await res.body.text();
    return { status: res.statusCode, text, json: () => JSON.parse(text) as { path: string; headers: Record<string, string> } };
  };
  const deploy = async (name: string, t: Template, apim: string) => {
    await twin.deploy({
      deploymentName: name, template: t,
      parameters: { sites_function_name: { value: `${apim}-fn` }, apimServiceName: { value: apim }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } },
    });
  };
  const withUami = (t: Template, attach: boolean) => {
    t.resources.push({ type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'apim-uami', location: 'northeurope', properties: {} });
    const svc = byType(t, 'Microsoft.ApiManagement/service');
    if (attach) {
      svc.identity = { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'apim-uami')]": {} } };
      svc.dependsOn = [...(svc.dependsOn ?? []), "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'apim-uami')]"];
    }
    return t;
  };
  const uamiClientId = () => String(twin.store.listResources({ type: 'Microsoft.ManagedIdentity/userAssignedIdentities' }).find((r) => r.name === 'apim-uami')!.properties.clientId);

  it('client-id of a user-assigned identity attached to the service: its token reaches the function (behaviour 20)', async () => {
    const t = withUami(seed(), true);
    byType(t, 'Microsoft.ApiManagement/service/apis/policies').properties.value =
      `[concat('<policies><inbound><base /><authentication-managed-identity resource=\"${CLIENT}\" client-id=\"', reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'apim-uami'), '2023-01-31').clientId, '\" /></inbound>${tail}')]`;
    await deploy('uami', t, 'uami-apim');
    const r = await call('uami-apim', '/functions/hello');
    expect(r.status).toBe(200);
    expect(decodeJwt(r.json().headers.authorization!.slice(7))).toMatchObject({ aud: CLIENT, appid: uamiClientId() });
  });

  it('client-id of an identity not attached to the service: 500, explained (behaviour 20)', async () => {
    const t = withUami(seed(), false);
    byType(t, 'Microsoft.ApiManagement/service/apis/policies').properties.value =
      `[concat('<policies><inbound><base /><authentication-managed-identity resource=\"${CLIENT}\" client-id=\"', reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'apim-uami'), '2023-01-31').clientId, '\" /></inbound>${tail}')]`;
    await deploy('uami-detached', t, 'detached-apim');
    const r = await call('detached-apim', '/functions/hello');
    expect(r.status).toBe(500);
    expect(logger.lines.some((l) => l.includes('500 GET') && l.includes('TokenAcquisitionFailed') && l.includes('is assigned to this service'))).toBe(true);
  });

  it('ignore-error="true" with a failing token request: the call goes on without a token and Easy Auth answers 401', async () => {
    const t = seed();
    delete byType(t, 'Microsoft.ApiManagement/service').identity;
    byType(t, 'Microsoft.ApiManagement/service/apis/policies').properties.value =
      `<policies><inbound><base /><authentication-managed-identity resource="${CLIENT}" ignore-error="true" /></inbound>${tail}`;
    (t as { outputs?: unknown }).outputs = {};
    await deploy('no-mi', t, 'nomi-apim');
    const r = await call('nomi-apim', '/functions/hello');
    expect(r.status).toBe(401);
  });

  it('the token attached inside send-request goes to the side call only; validate-jwt in front of the managed-identity call', async () => {
    const t = seed();
    byType(t, 'Microsoft.ApiManagement/service/apis/policies').properties.value = `<policies><inbound><base />
      <validate-jwt header-name="Authorization" failed-validation-httpcode="401">
        <openid-config url="https://login.microsoftonline.com/${TENANT}/v2.0/.well-known/openid-configuration" />
        <audiences><audience>https://management.azure.com/</audience></audiences>
      </validate-jwt>
      <send-request mode="new" response-variable-name="side" timeout="20">
        <set-url>https://side-apim-fn.azurewebsites.net/api/hello</set-url><set-method>GET</set-method>
        <authentication-managed-identity resource="${CLIENT}" />
      </send-request>
      <return-response response-variable-name="side" />
    </inbound>${tail}`;
    await deploy('side', t, 'side-apim');
    expect((await call('side-apim', '/functions/hello')).status).toBe(401);
    const ready = twin.ready();
    const mi = await request(`${ready.apim['side-apim']!.identityEndpoint}?api-version=2019-08-01&resource=${encodeURIComponent('https://management.azure.com/')}`, { headers: { 'X-IDENTITY-HEADER': ready.identity.identityHeader } });
    const clientToken = ((await mi.body.json()) as { access_token: string }).access_token;
    const r = await call('side-apim', '/functions/hello', { authorization: `Bearer ${clientToken}` });
    expect(r.status).toBe(200);
    const seen = r.json();
    expect(decodeJwt(seen.headers.authorization!.slice(7)).aud).toBe(CLIENT);
  });

  it('validate-azure-ad-token against the twin\'s Entra ID: the tenant\'s keys and issuer, the client application', async () => {
    const t = seed();
    byType(t, 'Microsoft.ApiManagement/service/apis/policies').properties.value = `<policies><inbound><base />
      <validate-azure-ad-token tenant-id="${TENANT}" output-token-variable-name="jwt">
        <client-application-ids><application-id>@(context.Request.Headers.GetValueOrDefault("X-Expected-App", "none"))</application-id></client-application-ids>
        <audiences><audience>https://management.azure.com/</audience></audiences>
      </validate-azure-ad-token>
      <return-response><set-status code="200" reason="OK" /><set-body>@(((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("appid", ""))</set-body></return-response>
    </inbound>${tail}`;
    await deploy('aad', t, 'aad-apim');
    const ready = twin.ready();
    const mi = await request(`${ready.apim['aad-apim']!.identityEndpoint}?api-version=2019-08-01&resource=${encodeURIComponent('https://management.azure.com/')}`, { headers: { 'X-IDENTITY-HEADER': ready.identity.identityHeader } });
    const token = ((await mi.body.json()) as { access_token: string }).access_token;
    const appid = String(decodeJwt(token).appid);
    const ok = await call('aad-apim', '/functions/hello', { authorization: `Bearer ${token}`, 'x-expected-app': appid });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe(appid);
    const other = await call('aad-apim', '/functions/hello', { authorization: `Bearer ${token}`, 'x-expected-app': '00000000-0000-4000-8000-000000000000' });
    expect(other.status).toBe(401);
    expect(other.text).toBe('{ "statusCode": 401, "message": "Invalid JWT." }');
  });
});

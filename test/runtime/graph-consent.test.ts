/**
 * Consent deployed with Bicep's Microsoft Graph extension: an API registration exposing two delegated scopes, a client
 * registration, their service principals and an admin-consent `Microsoft.Graph/oauth2PermissionGrants` for one scope.
 * A directory user signs in to the client (authorization code + PKCE on the running twin): `.default` gives the
 * consented scope only; the other scope is AADSTS65001 consent_required.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch as undiciFetch } from 'undici';
import { decodeJwt } from 'jose';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';

const TENANT = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2be8';
const G = 'microsoftGraphV1';
const REDIRECT = 'http://localhost/cb';
const verifier = 'a-verifier-of-more-than-forty-three-characters-0123456789';
const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  languageVersion: '2.0',
  contentVersion: '1.0.0.0',
  extensions: { [G]: { name: 'MicrosoftGraph', version: '1.0.0' } },
  resources: {
    api: {
      extension: G,
      type: 'Microsoft.Graph/applications@v1.0',
      properties: { uniqueName: 'consent-api', displayName: 'Consent API', identifierUris: ['api://consent-api'], api: { oauth2PermissionScopes: [{ id: '1b0c6c5e-0000-4000-8000-000000000001', value: 'Orders.Read' }, { id: '1b0c6c5e-0000-4000-8000-000000000002', value: 'Orders.Write' }] } },
    },
    apiSp: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('api').appId]" }, dependsOn: ['api'] },
    client: { extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: 'consent-client', displayName: 'Consent client', publicClient: { redirectUris: [REDIRECT] } } },
    clientSp: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('client').appId]" }, dependsOn: ['client'] },
    consent: {
      extension: G,
      type: 'Microsoft.Graph/oauth2PermissionGrants@v1.0',
      properties: { clientId: "[reference('clientSp').id]", resourceId: "[reference('apiSp').id]", consentType: 'AllPrincipals', scope: 'Orders.Read' },
      dependsOn: ['clientSp', 'apiSp'],
    },
  },
  outputs: { clientAppId: { type: 'string', value: "[reference('client').appId]" } },
};

describe('oauth2PermissionGrants deployed through the Graph extension shape scp on the running twin', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  let clientId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-graph-consent-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-0000000000e8', resourceGroup: 'rg-consent', location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
    twin.identity.applyDirectory({ doc: { users: [{ userPrincipalName: 'carol@contoso.test', password: 'carol-pw' }] } });
    const result = await twin.deploy({ deploymentName: 'consent', template });
    clientId = String(result.outputs['clientAppId']!.value);
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const userToken = async (scope: string) => {
    const base = `${twin.ready().identity.authority}/oauth2/v2.0/`;
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const q = new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, scope, code_challenge: challenge, code_challenge_method: 'S256' });
    const page = await (await undiciFetch(`${base}authorize?${q}`, { dispatcher: tls })).text();
    const ctx = /name="ctx" value="([^"]+)"/.exec(page)![1]!;
    const signed = await undiciFetch(`${base}authorize`, { method: 'POST', body: new URLSearchParams({ ctx, username: 'carol@contoso.test', password: 'carol-pw' }), redirect: 'manual', dispatcher: tls });
    const code = new URL(signed.headers.get('location')!).searchParams.get('code')!;
    const res = await undiciFetch(`${base}token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: REDIRECT, code_verifier: verifier, scope }), dispatcher: tls });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('.default: the admin-consented scope only', async () => {
    const r = await userToken('api://consent-api/.default');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(decodeJwt(String(r.body.access_token))).toMatchObject({ aud: 'api://consent-api', scp: 'Orders.Read', upn: 'carol@contoso.test' });
  });

  it('a scope the grant does not give: AADSTS65001 consent_required', async () => {
    const r = await userToken('api://consent-api/Orders.Write');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'invalid_grant', error_codes: [65001], suberror: 'consent_required' });
  });
});

/**
 * The mission's chain from one template with Bicep's Microsoft Graph extension: the function's app registration and
 * service principal, authsettingsV2 allowing the APIM identity (allowedApplications), APIM with that identity, and
 * `Microsoft.Graph/appRoleAssignedTo` granting it the registration's app role. The managed identity's token carries the
 * role in `roles` and the call through APIM gets 200; deployed without the assignment, the token has no `roles`.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { decodeJwt } from 'jose';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { graphChainTemplate } from '../arm/helpers/graph-template.js';
import { directoryList } from '../../src/cli/commands/identity-admin.js';

const TENANT = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2bd7';

describe('appRoleAssignedTo: the APIM managed identity granted the function app role, through the running chain', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-graph-roles-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-0000000000d7', resourceGroup: 'rg-roles', location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const callThroughApim = async (prefix: string) => {
    const res = await request(`${twin.ready().apim[`${prefix}-apim`]!.gatewayUrl}/orders/hello`, { dispatcher: tls });
    const text = await res.body.text();
    return { status: res.statusCode, seen: res.statusCode === 200 ? (JSON.parse(text) as { headers: Record<string, string> }) : undefined, text };
  };

  it('with the assignment: the MI token that reaches the function carries roles ["Orders.Read"]; 200', async () => {
    const result = await twin.deploy({ deploymentName: 'granted', template: graphChainTemplate, parameters: { prefix: { value: 'granted' } } });
    const r = await callThroughApim('granted');
    expect(r.status, r.text).toBe(200);
    const claims = decodeJwt(r.seen!.headers['authorization']!.slice(7));
    expect(claims).toMatchObject({ aud: 'api://granted-api', appid: result.outputs['callerClientId']!.value, roles: ['Orders.Read'] });
  });

  it('without it (condition false): same chain, 200 (Easy Auth checks the client, not roles), and the token has no roles claim', async () => {
    await twin.deploy({ deploymentName: 'plain', template: graphChainTemplate, parameters: { prefix: { value: 'plain' }, grant: { value: false } } });
    const r = await callThroughApim('plain');
    expect(r.status, r.text).toBe(200);
    const claims = decodeJwt(r.seen!.headers['authorization']!.slice(7));
    expect(claims.aud).toBe('api://plain-api');
    expect(claims).not.toHaveProperty('roles');
  });

  it('trustline directory list shows what the Graph extension deployed: the assignment, the federated credential, the permission grant', async () => {
    const G = 'microsoftGraphV1';
    await twin.deploy({
      deploymentName: 'graph-extras',
      template: {
        $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
        languageVersion: '2.0',
        contentVersion: '1.0.0.0',
        extensions: { [G]: { name: 'MicrosoftGraph', version: '1.0.0' } },
        resources: {
          api: { extension: G, type: 'Microsoft.Graph/applications@v1.0', existing: true, properties: { uniqueName: 'granted-api' } },
          apiSp: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', existing: true, properties: { appId: "[reference('api').appId]" } },
          client: { extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: 'deployer', displayName: 'Deployer' } },
          clientSp: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('client').appId]" }, dependsOn: ['client'] },
          fic: { extension: G, type: 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0', properties: { name: "[format('{0}/github', reference('client').uniqueName)]", issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:contoso/orders:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }, dependsOn: ['client'] },
          consent: { extension: G, type: 'Microsoft.Graph/oauth2PermissionGrants@v1.0', properties: { clientId: "[reference('clientSp').id]", resourceId: "[reference('apiSp').id]", consentType: 'AllPrincipals', scope: 'Orders.Read' }, dependsOn: ['clientSp'] },
        },
      },
    });
    const readyFile = join(dir, 'ready-copy.json');
    writeFileSync(readyFile, JSON.stringify(twin.ready()));
    const lines: string[] = [];
    expect(await directoryList({ readyFile }, (l) => lines.push(l))).toBe(0);
    expect(lines).toContainEqual(expect.stringMatching(/^assignment granted-apim-id → granted function API: Orders\.Read$/));
    expect(lines).toContain('federated credential Deployer/github  issuer https://token.actions.githubusercontent.com  subject repo:contoso/orders:ref:refs/heads/main');
    expect(lines).toContainEqual(expect.stringMatching(/^permission grant [0-9a-f-]{36} → [0-9a-f-]{36}  AllPrincipals  scope 'Orders\.Read'$/));
  });
});

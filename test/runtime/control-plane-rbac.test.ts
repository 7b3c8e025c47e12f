import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { armActionOf } from '../../src/runtime/control-plane/rbac.js';

const SUB = '1a2b3c4d-0000-4000-8000-000000000021';
const TENANT = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b21';
const RG = 'rg-rbac';
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const ROLE = (guid: string) => `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${guid}')]`;
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const uami = (name: string) => ({ type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name, location: 'westeurope', properties: {} });
const assignment = (guid: string, who: string, role: string) => ({
  type: 'Microsoft.Authorization/roleAssignments', apiVersion: '2022-04-01', name: guid,
  dependsOn: [`[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '${who}')]`],
  properties: { roleDefinitionId: ROLE(role), principalId: `[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '${who}'), '2023-01-31').principalId]`, principalType: 'ServicePrincipal' },
});
const template = (extra: unknown[] = []) => ({
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [uami('nobody'), uami('reader'), assignment('11111111-1111-4111-8111-111111111111', 'reader', READER), ...extra],
});

describe('control-plane RBAC (compat.controlPlane.enforceRbac): role assignments deployed into the twin decide, as ARM does', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-rbac-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: SUB, resourceGroup: RG, location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger, compat: { controlPlane: { enforceRbac: true } } });
    await twin.deploy({ deploymentName: 'setup', template: template() });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const clientIdOf = (name: string) => String(twin.store.listResources({ type: 'Microsoft.ManagedIdentity/userAssignedIdentities' }).find((r) => r.name === name)!.properties['clientId']);
  const tokenOf = async (name: string) => (await twin.identity.issueManagedIdentityToken({ resource: 'https://management.azure.com/', clientId: clientIdOf(name) })).access_token;
  const call = async (token: string, path: string, method = 'GET', body?: unknown) => {
    const r = await request(`${twin.ready().controlPlane}${path}`, { dispatcher: tls, method: method as 'GET', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await r.body.text();
    return { status: r.statusCode, body: (text ? JSON.parse(text) : undefined) as { error?: { code: string; message: string } } & Record<string, unknown> };
  };
  const deployment = (name: string, extra: unknown[] = []) => [`${RG_ID}/providers/Microsoft.Resources/deployments/${name}?api-version=2021-04-01`, 'PUT', { properties: { mode: 'Incremental', template: template(extra) } }] as const;

  it('no role: 403 AuthorizationFailed naming the client, the action and the scope', async () => {
    const r = await call(await tokenOf('nobody'), `${RG_ID}/resources?api-version=2021-04-01`);
    expect(r.status).toBe(403);
    expect(r.body.error?.code).toBe('AuthorizationFailed');
    expect(r.body.error?.message).toMatch(new RegExp(`^The client '[0-9a-f-]{36}' with object id '[0-9a-f-]{36}' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resources/read' over scope '${RG_ID}' or the scope is invalid\\. If access was recently granted, please refresh your credentials\\.$`));
  });

  it('Reader at the resource group reads, but cannot deploy or delete', async () => {
    const token = await tokenOf('reader');
    expect((await call(token, `${RG_ID}/resources?api-version=2021-04-01`)).status).toBe(200);
    expect((await call(token, `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nobody?api-version=2023-01-31`)).status).toBe(200);
    const put = await call(token, ...deployment('by-reader'));
    expect(put.status).toBe(403);
    expect(put.body.error?.message).toContain("action 'Microsoft.Resources/deployments/write'");
    const del = await call(token, `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nobody?api-version=2023-01-31`, 'DELETE');
    expect(del.body.error?.message).toContain("action 'Microsoft.ManagedIdentity/userAssignedIdentities/delete' over scope '" + `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nobody'`);
  });

  it('Contributor deploys; it may not assign roles (Microsoft.Authorization writes need Owner or User Access Administrator), in a deployment or directly', async () => {
    await twin.deploy({ deploymentName: 'grant', template: template([assignment('22222222-2222-4222-8222-222222222222', 'reader', CONTRIBUTOR)]) });
    const token = await tokenOf('reader');
    const plain = { properties: { mode: 'Incremental', template: { ...template(), resources: [uami('nobody'), uami('another')] } } };
    const put = await call(token, `${RG_ID}/providers/Microsoft.Resources/deployments/by-contributor?api-version=2021-04-01`, 'PUT', plain);
    expect(put.status).toBe(201);
    expect(put.body['properties']).toMatchObject({ provisioningState: 'Accepted' });
    let state = 'Accepted';
    for (let i = 0; i < 400 && (state === 'Accepted' || state === 'Running'); i++) {
      await new Promise((r) => setTimeout(r, 10));
      const got = await call(token, `${RG_ID}/providers/Microsoft.Resources/deployments/by-contributor?api-version=2021-04-01`);
      state = (got.body['properties'] as { provisioningState: string }).provisioningState;
    }
    expect(state).toBe('Succeeded');
    // A deployment carrying a role assignment is refused up front (ARM checks every resource's write at validation).
    const withGrant = await call(token, ...deployment('grant-by-contributor'));
    expect(withGrant.status).toBe(403);
    expect(withGrant.body.error?.message).toContain("action 'Microsoft.Authorization/roleAssignments/write' over scope '" + `${RG_ID}/providers/Microsoft.Authorization/roleAssignments/11111111-1111-4111-8111-111111111111'`);
    expect((await call(token, `${RG_ID}/providers/Microsoft.Resources/deployments/grant-by-contributor?api-version=2021-04-01`)).status).toBe(404);
    const grant = await call(token, `${RG_ID}/providers/Microsoft.Authorization/roleAssignments/33333333-3333-4333-8333-333333333333?api-version=2022-04-01`, 'PUT', { properties: { roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}`, principalId: '00000000-0000-4000-8000-000000000000', principalType: 'ServicePrincipal' } });
    expect(grant.status).toBe(403);
    expect(grant.body.error?.message).toContain("'Microsoft.Authorization/roleAssignments/write'");
  });

  it('custom roles deployed by template: actions less notActions decide, dataActions grant no control-plane action, an assignment at a resource covers only it', async () => {
    const R1 = '44444444-4444-4444-8444-444444444444';
    const R2 = '55555555-5555-4555-8555-555555555555';
    const role = (guid: string, permissions: unknown[]) => ({
      type: 'Microsoft.Authorization/roleDefinitions', apiVersion: '2022-04-01', name: guid,
      properties: { roleName: `role ${guid.slice(0, 4)}`, type: 'CustomRole', permissions, assignableScopes: [`/subscriptions/${SUB}`] },
    });
    const custom = {
      ...template(),
      resources: [
        uami('nobody'), uami('custom1'), uami('custom2'),
        role(R1, [{ actions: ['Microsoft.ManagedIdentity/userAssignedIdentities/*'], notActions: ['Microsoft.ManagedIdentity/userAssignedIdentities/delete'], dataActions: ['Microsoft.Storage/*'] }]),
        role(R2, [{ actions: ['*/read'] }]),
        { ...assignment('66666666-6666-4666-8666-666666666666', 'custom1', R1), dependsOn: [...assignment('6', 'custom1', R1).dependsOn, `[resourceId('Microsoft.Authorization/roleDefinitions', '${R1}')]`] },
        {
          ...assignment('77777777-7777-4777-8777-777777777777', 'custom2', R2),
          scope: "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'nobody')]",
          dependsOn: [...assignment('7', 'custom2', R2).dependsOn, `[resourceId('Microsoft.Authorization/roleDefinitions', '${R2}')]`],
        },
      ],
    };
    await twin.deploy({ deploymentName: 'custom-roles', template: custom });
    const stored = twin.store.listResources({ type: 'Microsoft.Authorization/roleDefinitions' }).find((r) => r.id.endsWith(R1));
    expect(stored?.properties).toMatchObject({ type: 'CustomRole', permissions: [{ actions: ['Microsoft.ManagedIdentity/userAssignedIdentities/*'], notActions: ['Microsoft.ManagedIdentity/userAssignedIdentities/delete'], dataActions: ['Microsoft.Storage/*'], notDataActions: [] }] });
    const uamiPath = (name: string) => `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}?api-version=2023-01-31`;
    const one = await tokenOf('custom1');
    expect((await call(one, uamiPath('nobody'))).status).toBe(200);
    expect((await call(one, uamiPath('made-by-custom1'), 'PUT', { location: 'westeurope', properties: {} })).status).toBe(201);
    const del = await call(one, uamiPath('made-by-custom1'), 'DELETE');
    expect(del.status).toBe(403);
    expect(del.body.error?.message).toContain("'Microsoft.ManagedIdentity/userAssignedIdentities/delete'");
    expect((await call(one, `${RG_ID}/resources?api-version=2021-04-01`)).status).toBe(403);
    const two = await tokenOf('custom2');
    expect((await call(two, uamiPath('nobody'))).status).toBe(200);
    expect((await call(two, uamiPath('reader'))).status).toBe(403);
    // An assignment to a group applies to its members (here through a nested group).
    const objectIdOf = (name: string) => String(twin.store.listResources({ type: 'Microsoft.ManagedIdentity/userAssignedIdentities' }).find((r) => r.name === name)!.properties['principalId']);
    twin.identity.applyDirectory({ doc: { groups: [{ displayName: 'inner', members: ['custom2'] }, { displayName: 'outer', members: ['inner'] }] } });
    const outer = twin.store.listDirectoryObjects().find((d) => d.kind === 'group' && d.displayName === 'outer')!;
    expect(outer.members).toHaveLength(1);
    await twin.deploy({ deploymentName: 'group-grant', template: { ...template(), resources: [{ type: 'Microsoft.Authorization/roleAssignments', apiVersion: '2022-04-01', name: '99999999-9999-4999-8999-999999999999', properties: { roleDefinitionId: ROLE(READER), principalId: outer.objectId, principalType: 'Group' } }] } });
    expect(objectIdOf('custom2')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call(two, uamiPath('reader'))).status).toBe(200);
    expect((await call(two, uamiPath('reader'), 'DELETE')).status).toBe(403);
    // A role definition the Authorization RP would refuse fails the deployment.
    await expect(twin.deploy({ deploymentName: 'bad-role', template: { ...template(), resources: [role('88888888-8888-4888-8888-888888888888', [{ actions: 'x' }])] } })).rejects.toThrow(/permissions/);
  });

  it("the twin's own CLI principal owns the subscription", async () => {
    const cred = JSON.parse(readFileSync(twin.ready().cliCredential!, 'utf8')) as { clientId: string; clientSecret: string; scope: string };
    const res = await request(`${twin.ready().identity.authority}/oauth2/v2.0/token`, {
      method: 'POST', dispatcher: tls, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: cred.clientId, client_secret: cred.clientSecret, scope: cred.scope }).toString(),
    });
    const { access_token } = (await res.body.json()) as { access_token: string };
    expect((await call(access_token, ...deployment('by-cli'))).status).toBe(201);
  });

  it('listOutputsWithSecureValues is an action: Reader reads the deployment (secure outputs by type alone) but may not list their values; Contributor may', async () => {
    const secret = '44444444-4444-4444-8444-444444444444';
    const contrib = '55555555-5555-4555-8555-555555555555';
    await twin.deploy({
      deploymentName: 'secrets',
      template: {
        ...template([uami('secret-reader'), uami('secret-contrib'), assignment(secret, 'secret-reader', READER), assignment(contrib, 'secret-contrib', CONTRIBUTOR)]),
        parameters: { hush: { type: 'securestring', defaultValue: 'do-not-tell' } },
        outputs: { hush: { type: 'securestring', value: "[parameters('hush')]" } },
      },
    });
    const path = `${RG_ID}/providers/Microsoft.Resources/deployments/secrets`;
    const reader = await tokenOf('secret-reader');
    const read = await call(reader, `${path}?api-version=2022-09-01`);
    expect(read.status).toBe(200);
    expect((read.body['properties'] as { outputs: unknown }).outputs).toEqual({ hush: { type: 'SecureString' } });
    const denied = await call(reader, `${path}/listOutputsWithSecureValues?api-version=2022-09-01`, 'POST');
    expect(denied.status).toBe(403);
    expect(denied.body.error?.message).toContain(`action 'Microsoft.Resources/deployments/listOutputsWithSecureValues/action' over scope '${path}'`);
    const allowed = await call(await tokenOf('secret-contrib'), `${path}/listOutputsWithSecureValues?api-version=2022-09-01`, 'POST');
    expect(allowed.status).toBe(200);
    expect(allowed.body).toEqual({ hush: 'do-not-tell' });
  });

  it('actions and scopes as ARM names them', () => {
    const seg = (p: string) => p.split('/').filter(Boolean);
    expect(armActionOf('GET', seg(`/subscriptions/${SUB}`))).toEqual({ action: 'Microsoft.Resources/subscriptions/read', scope: `/subscriptions/${SUB}` });
    expect(armActionOf('DELETE', seg(`${RG_ID}`))).toEqual({ action: 'Microsoft.Resources/subscriptions/resourceGroups/delete', scope: RG_ID });
    expect(armActionOf('POST', seg(`${RG_ID}/providers/Microsoft.Resources/deployments/d/validate`))).toEqual({ action: 'Microsoft.Resources/deployments/validate/action', scope: `${RG_ID}/providers/Microsoft.Resources/deployments/d` });
    expect(armActionOf('GET', seg(`${RG_ID}/deployments/d/operations`))).toEqual({ action: 'Microsoft.Resources/deployments/operations/read', scope: `${RG_ID}/providers/Microsoft.Resources/deployments/d` });
    expect(armActionOf('POST', seg(`${RG_ID}/providers/Microsoft.Web/sites/f/config/appsettings/list`))).toEqual({ action: 'Microsoft.Web/sites/config/list/action', scope: `${RG_ID}/providers/Microsoft.Web/sites/f/config/appsettings` });
    expect(armActionOf('GET', seg(`${RG_ID}/providers/Microsoft.ApiManagement/service/s/apis`))).toEqual({ action: 'Microsoft.ApiManagement/service/apis/read', scope: `${RG_ID}/providers/Microsoft.ApiManagement/service/s` });
    expect(armActionOf('GET', seg('/tenants'))).toBeUndefined();
  });
});

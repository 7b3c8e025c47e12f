import { describe, it, expect } from 'vitest';
import { realTimeTwin, useControlPlaneTwin } from '../helpers/control-plane-twin.js';

const SUB = '1a2b3c4d-0000-4000-8000-00000000000f';
const RG = 'rg-failure';
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const DEPLOYMENTS = `/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.Resources/deployments`;
const THINGS = `${RG_ID}/providers/Contoso.Widgets/things`;

/** A widget; `refused`: its body has a non-object `properties`, which the twin's engine refuses as a resource provider would. */
const thing = (name: string, opts: { refused?: boolean; dependsOn?: string[] } = {}) => ({
  type: 'Contoso.Widgets/things',
  apiVersion: '2024-01-01',
  name,
  location: 'westeurope',
  properties: opts.refused ? 'not an object' : { name },
  ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
});

/**
 * In deployment order: ok0; bad (refused); dep → bad; depdep → dep; ok1 (independent, after bad); bad2 (refused, independent);
 * a nested deployment `inner` with innerok and innerbad (refused); after → inner.
 */
const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [
    thing('ok0'),
    thing('bad', { refused: true }),
    thing('dep', { dependsOn: ['bad'] }),
    thing('depdep', { dependsOn: ['dep'] }),
    thing('ok1'),
    thing('bad2', { refused: true }),
    {
      type: 'Microsoft.Resources/deployments',
      apiVersion: '2022-09-01',
      name: 'inner',
      properties: {
        mode: 'Incremental',
        expressionEvaluationOptions: { scope: 'inner' },
        template: {
          $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
          contentVersion: '1.0.0.0',
          resources: [thing('innerok'), thing('innerbad', { refused: true })],
          outputs: { x: { type: 'string', value: 'never' } },
        },
      },
    },
    thing('after', { dependsOn: ['inner'] }),
  ],
  outputs: { n: { type: 'int', value: 1 } },
};

type Op = { properties: { provisioningState: string; statusCode: string; targetResource: { id: string; resourceName: string }; statusMessage?: { error: { code: string; target?: string; details?: unknown[] } } } };
type Deployment = { properties: { provisioningState: string; outputs?: unknown; outputResources?: unknown; error?: { code: string; target?: string; details: Array<{ code: string; target?: string; details?: Array<{ code: string; target?: string }> }> } } };

const twinOptions = realTimeTwin('0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1f', SUB, RG);

type Json = ReturnType<typeof useControlPlaneTwin>['json'];

/** The deployment once it ended (neither `Accepted` nor `Running`). */
async function ended(json: Json, path: string): Promise<Deployment> {
  for (let i = 0; i < 400; i++) {
    const d = await json<Deployment>(path);
    if (!['Accepted', 'Running'].includes(d.body.properties.provisioningState)) return d.body;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${path} never ended`);
}

describe('a failed resource does not stop the resources that do not depend on it (ARM runs the dependency graph)', () => {
  const { json } = useControlPlaneTwin('trustline-failure-', twinOptions);
  const until = (path: string) => ended(json, path);

  it('independent resources deploy, dependents are never attempted; the deployment fails with one DeploymentFailed detail per failed operation', async () => {
    const path = `${DEPLOYMENTS}/mixed?api-version=2021-04-01`;
    const put = await json<Deployment>(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template } } });
    expect(put.status).toBe(201);
    const final = await until(path);
    expect(final.properties.provisioningState).toBe('Failed');
    expect(final.properties).not.toHaveProperty('outputs');
    expect(final.properties).not.toHaveProperty('outputResources');
    expect(final.properties.error).toMatchObject({
      code: 'DeploymentFailed',
      target: `${RG_ID}/providers/Microsoft.Resources/deployments/mixed`,
      details: [
        { code: 'BadRequest', target: `${THINGS}/bad` },
        { code: 'BadRequest', target: `${THINGS}/bad2` },
        { code: 'DeploymentFailed', target: `${RG_ID}/providers/Microsoft.Resources/deployments/inner`, details: [{ code: 'BadRequest', target: `${THINGS}/innerbad` }] },
      ],
    });
    expect(final.properties.error!.details).toHaveLength(3);
    // Validation passed before anything failed: the record names every resource's dependencies, deployed or not.
    expect((final.properties as { dependencies?: Array<{ resourceName: string; dependsOn: Array<{ resourceName: string }> }> }).dependencies!.map((d) => [d.resourceName, d.dependsOn.map((x) => x.resourceName)])).toEqual([
      ['dep', ['bad']],
      ['depdep', ['dep']],
      ['after', ['inner']],
    ]);
    expect((await json<{ status: string }>(put.headers['azure-asyncoperation'] as string)).body.status).toBe('Failed');

    for (const [name, status] of [['ok0', 200], ['ok1', 200], ['innerok', 200], ['bad', 404], ['bad2', 404], ['innerbad', 404], ['dep', 404], ['depdep', 404], ['after', 404]] as const) {
      expect([name, (await json(`${THINGS}/${name}?api-version=2024-01-01`)).status]).toEqual([name, status]);
    }

    const ops = await json<{ value: Op[] }>(`${DEPLOYMENTS}/mixed/operations?api-version=2021-04-01`);
    const seen = ops.body.value.map((o) => [o.properties.targetResource.resourceName, o.properties.provisioningState]);
    // One operation per resource attempted: none for dep, depdep and after (never started), none for the outputs.
    expect(seen.sort()).toEqual([
      ['bad', 'Failed'],
      ['bad2', 'Failed'],
      ['inner', 'Failed'],
      ['ok0', 'Succeeded'],
      ['ok1', 'Succeeded'],
    ]);
    const innerOp = ops.body.value.find((o) => o.properties.targetResource.resourceName === 'inner')!;
    expect(innerOp.properties.statusMessage!.error).toMatchObject({ code: 'DeploymentFailed', details: [{ code: 'BadRequest', target: `${THINGS}/innerbad` }] });

    // The nested deployment is in the history as ARM records it: Failed, its own error and operations.
    const inner = await json<Deployment>(`${DEPLOYMENTS}/inner?api-version=2021-04-01`);
    expect(inner.status).toBe(200);
    expect(inner.body.properties.provisioningState).toBe('Failed');
    expect(inner.body.properties).not.toHaveProperty('outputs');
    expect(inner.body.properties.error).toMatchObject({ code: 'DeploymentFailed', details: [{ code: 'BadRequest', target: `${THINGS}/innerbad` }] });
    const innerOps = await json<{ value: Op[] }>(`${DEPLOYMENTS}/inner/operations?api-version=2021-04-01`);
    expect(innerOps.body.value.map((o) => [o.properties.targetResource.resourceName, o.properties.provisioningState]).sort()).toEqual([
      ['innerbad', 'Failed'],
      ['innerok', 'Succeeded'],
    ]);
  });

  it('a refused resource whose dependents are everything after it leaves only what came before (nothing independent to go on with)', async () => {
    const path = `${DEPLOYMENTS}/chain?api-version=2021-04-01`;
    const chain = { ...template, resources: [thing('c0'), thing('c1', { refused: true, dependsOn: ['c0'] }), thing('c2', { dependsOn: ['c1'] })] };
    await json(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template: chain } } });
    const final = await until(path);
    expect(final.properties.provisioningState).toBe('Failed');
    expect(final.properties.error!.details.map((d) => d.target)).toEqual([`${THINGS}/c1`]);
    expect((await json(`${THINGS}/c0?api-version=2024-01-01`)).status).toBe(200);
    expect((await json(`${THINGS}/c2?api-version=2024-01-01`)).status).toBe(404);
  });
});

describe("compat.controlPlane.afterResourceFailure: 'stop' attempts nothing after the first failure", () => {
  const { json } = useControlPlaneTwin('trustline-failure-stop-', { ...twinOptions, compat: { controlPlane: { afterResourceFailure: 'stop' } } });
  it('ok1 (independent, after the refused one) is not deployed', async () => {
    const path = `${DEPLOYMENTS}/stopped?api-version=2021-04-01`;
    await json(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template } } });
    const final = await ended(json, path);
    expect(final.properties.provisioningState).toBe('Failed');
    expect(final.properties.error!.details.map((d) => d.target)).toEqual([`${THINGS}/bad`]);
    expect((await json(`${THINGS}/ok0?api-version=2024-01-01`)).status).toBe(200);
    expect((await json(`${THINGS}/ok1?api-version=2024-01-01`)).status).toBe(404);
  });
});

describe('Microsoft Graph extension refusals reach the ARM client with Graph\'s code and words', () => {
  const { json } = useControlPlaneTwin('trustline-graph-failure-', twinOptions);
  const until = (path: string) => ended(json, path);
  const G = 'microsoftGraphV1';
  const graphTemplate = (resources: Record<string, unknown>, outputs: Record<string, unknown> = {}) => ({
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    languageVersion: '2.0',
    contentVersion: '1.0.0.0',
    extensions: { [G]: { name: 'MicrosoftGraph', version: '1.0.0' } },
    resources,
    outputs,
  });

  it('an app role the resource does not define: DeploymentFailed with the operation\'s Request_BadRequest; a missing existing user: Request_ResourceNotFound (no operation)', async () => {
    const role = '7d0c3f1e-2b4a-4c6d-8e9f-0a1b2c3d4e5f';
    const t = graphTemplate({
      api: { extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: 'cp-api', displayName: 'CP API', appRoles: [{ id: role, value: 'Read', allowedMemberTypes: ['Application'] }] } },
      sp: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('api').appId]" }, dependsOn: ['api'] },
      caller: { type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'cp-caller', location: 'westeurope' },
      grant: { extension: G, type: 'Microsoft.Graph/appRoleAssignedTo@v1.0', properties: { principalId: "[reference('caller').principalId]", resourceId: "[reference('sp').id]", appRoleId: '11111111-1111-4111-8111-111111111111' }, dependsOn: ['caller', 'sp'] },
    });
    const path = `${DEPLOYMENTS}/graph-role?api-version=2021-04-01`;
    const put = await json(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template: t } } });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    const final = await until(path);
    expect(final.properties.provisioningState).toBe('Failed');
    expect(final.properties.error).toMatchObject({ code: 'DeploymentFailed', details: [{ code: 'Request_BadRequest', target: '/providers/Microsoft.Graph/appRoleAssignedTo/grant' }] });
    expect(final.properties.error!.details[0]).toMatchObject({ message: expect.stringMatching(/^Permission being assigned was not found on application '[0-9a-f-]{36}'\.$/) });

    const missing = graphTemplate(
      { bob: { extension: G, type: 'Microsoft.Graph/users@v1.0', existing: true, properties: { userPrincipalName: 'bob@contoso.test' } }, caller: { type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'for-bob', location: 'westeurope', tags: { owner: "[reference('bob').id]" } } },
    );
    const path2 = `${DEPLOYMENTS}/graph-user?api-version=2021-04-01`;
    const put2 = await json(path2, { method: 'PUT', body: { properties: { mode: 'Incremental', template: missing } } });
    expect(put2.status, JSON.stringify(put2.body)).toBe(201);
    const final2 = await until(path2);
    expect(final2.properties.provisioningState).toBe('Failed');
    expect(final2.properties.error).toMatchObject({ code: 'Request_ResourceNotFound', message: "Resource 'bob@contoso.test' does not exist or one of its queried reference-property objects are not present." });
  });
});

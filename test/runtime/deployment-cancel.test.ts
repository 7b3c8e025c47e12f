import { describe, it, expect } from 'vitest';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { useControlPlaneTwin } from '../helpers/control-plane-twin.js';

const SUB = '1a2b3c4d-0000-4000-8000-00000000000c';
const RG = 'rg-cancel';
const DEPLOYMENTS = `/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.Resources/deployments`;
const THINGS = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Contoso.Widgets/things`;
const STEP_MS = 300;

/** Five resources, each waiting for the one before (deployment order t0 … t4). */
const chain = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [0, 1, 2, 3, 4].map((i) => ({
    type: 'Contoso.Widgets/things',
    apiVersion: '2024-01-01',
    name: `t${i}`,
    location: 'westeurope',
    properties: { n: i },
    ...(i > 0 ? { dependsOn: [`t${i - 1}`] } : {}),
  })),
  outputs: { n: { type: 'int', value: 5 } },
};

describe('deployment PUT answers at once; cancel stops a running deployment between resources (ARM)', () => {
  const { json } = useControlPlaneTwin('trustline-cancel-', {
    tenantId: '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1c',
    subscriptionId: SUB,
    resourceGroup: RG,
    location: 'westeurope',
    deploymentStepDelayMs: STEP_MS,
    clock: systemClock,
    ids: randomIds,
    logger: silentLogger,
  });
  type Deployment = { properties: { provisioningState: string; outputs?: unknown; error?: unknown } };
  const until = async (path: string, pred: (d: Deployment) => boolean): Promise<Deployment> => {
    for (let i = 0; i < 400; i++) {
      const d = await json<Deployment>(path);
      if (pred(d.body)) return d.body;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${path} never reached the expected state`);
  };

  it('PUT answers 201 Accepted with Azure-AsyncOperation before the resources are written; GET shows Running, then Succeeded', async () => {
    const path = `${DEPLOYMENTS}/full?api-version=2021-04-01`;
    const put = await json<Deployment & { id: string }>(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template: chain } } });
    expect(put.status).toBe(201);
    expect(put.body.properties.provisioningState).toBe('Accepted');
    // Five resources at STEP_MS each: the answer came before the last one was written.
    expect((await json(`${THINGS}/t4?api-version=2024-01-01`)).status).toBe(404);
    expect(put.body.properties).not.toHaveProperty('outputs');
    const statusUrl = put.headers['azure-asyncoperation'] as string;
    expect(statusUrl.toLowerCase()).toContain(`${DEPLOYMENTS}/full/operationStatuses/`.toLowerCase());
    const running = await until(path, (d) => d.properties.provisioningState === 'Running');
    expect(running.properties).not.toHaveProperty('outputs');
    // While it runs, its operations show the resources written so far and the one being written (Running), as ARM lists them.
    type Ops = { value: Array<{ operationId: string; properties: { provisioningState: string; targetResource: { resourceName: string } } }> };
    const during = (await json<Ops>(`${DEPLOYMENTS}/full/operations?api-version=2021-04-01`)).body.value;
    expect(during.length).toBeGreaterThanOrEqual(1);
    expect(during.at(-1)!.properties.provisioningState).toBe('Running');
    expect(during.slice(0, -1).every((o) => o.properties.provisioningState === 'Succeeded')).toBe(true);
    expect(during.map((o) => o.properties.targetResource.resourceName)).toEqual(['t0', 't1', 't2', 't3', 't4'].slice(0, during.length));
    expect(['Running', 'Accepted']).toContain((await json<{ status: string }>(statusUrl)).body.status);
    // A second PUT of a running deployment is ARM's 409 DeploymentActive.
    const again = await json<{ error: { code: string } }>(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template: chain } } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('DeploymentActive');
    const done = await until(path, (d) => d.properties.provisioningState !== 'Running' && d.properties.provisioningState !== 'Accepted');
    expect(done.properties).toMatchObject({ provisioningState: 'Succeeded', outputs: { n: { value: 5 } } });
    expect((await json<{ status: string }>(statusUrl)).body).toEqual({ status: 'Succeeded' });
    const after = (await json<Ops>(`${DEPLOYMENTS}/full/operations?api-version=2021-04-01`)).body.value;
    expect(after.filter((o) => o.properties.targetResource).every((o) => o.properties.provisioningState === 'Succeeded')).toBe(true);
    // The operations a client saw while it ran keep their ids.
    expect(after.map((o) => o.operationId)).toEqual(expect.arrayContaining(during.map((o) => o.operationId)));
    for (let i = 0; i < 5; i++) expect((await json(`${THINGS}/t${i}?api-version=2024-01-01`)).status).toBe(200);
  });

  it('cancel of a running deployment: 204, Canceled, the resources written before it stay, the rest is not deployed; cancel again is 409', async () => {
    const path = `${DEPLOYMENTS}/stopped?api-version=2021-04-01`;
    const template = { ...chain, resources: chain.resources.map((r) => ({ ...r, name: `c${r.name}`, ...(r.dependsOn ? { dependsOn: [`c${r.dependsOn[0]}`] } : {}) })) };
    const put = await json<Deployment>(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template } } });
    expect(put.status).toBe(201);
    await until(path, (d) => d.properties.provisioningState === 'Running');
    const cancel = await json(`${DEPLOYMENTS}/stopped/cancel?api-version=2021-04-01`, { method: 'POST' });
    expect(cancel.status).toBe(204);
    const final = await until(path, (d) => d.properties.provisioningState !== 'Running' && d.properties.provisioningState !== 'Accepted');
    expect(final.properties.provisioningState).toBe('Canceled');
    expect(final.properties).not.toHaveProperty('outputs');
    expect(final.properties).not.toHaveProperty('error');
    expect((await json<{ status: string }>(put.headers['azure-asyncoperation'] as string)).body.status).toBe('Canceled');

    const ops = await json<{ value: Array<{ properties: { provisioningState: string; targetResource?: { resourceName: string } } }> }>(`${DEPLOYMENTS}/stopped/operations?api-version=2021-04-01`);
    const written = ops.body.value.map((o) => o.properties.targetResource?.resourceName);
    expect(written.length).toBeGreaterThanOrEqual(1);
    expect(written.length).toBeLessThan(5);
    // Written in deployment order, each one there; nothing after the cancel.
    expect(written).toEqual(['ct0', 'ct1', 'ct2', 'ct3', 'ct4'].slice(0, written.length));
    for (let i = 0; i < 5; i++) {
      const status = (await json(`${THINGS}/ct${i}?api-version=2024-01-01`)).status;
      expect(status).toBe(i < written.length ? 200 : 404);
    }
    const twice = await json<{ error: { code: string } }>(`${DEPLOYMENTS}/stopped/cancel?api-version=2021-04-01`, { method: 'POST' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('DeploymentCannotBeCancelled');
    const canceled = await json<{ value: Array<{ name: string }> }>(`${DEPLOYMENTS}?api-version=2021-04-01&$filter=provisioningState%20eq%20'Canceled'`);
    expect(canceled.body.value.map((d) => d.name)).toEqual(['stopped']);
  });
  it('a resource provider refusal fails the deployment after it was accepted; the resources deployed before it stay, with their operations (ARM keeps them)', async () => {
    const path = `${DEPLOYMENTS}/partial?api-version=2021-04-01`;
    // ft2's provider refuses it ('properties' must be an object); ft0 and ft1 come before it, ft3 after.
    const template = {
      ...chain,
      resources: chain.resources.slice(0, 4).map((r) => ({ ...r, name: `f${r.name}`, ...(r.dependsOn ? { dependsOn: [`f${r.dependsOn[0]}`] } : {}), ...(r.name === 't2' ? { properties: 'not an object' } : {}) })),
    };
    const put = await json<Deployment>(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template } } });
    expect(put.status).toBe(201);
    expect(put.body.properties.provisioningState).toBe('Accepted');
    type Failed = Deployment & { properties: { error: { code: string; details: Array<{ code: string; target: string }> } } };
    const final = (await until(path, (d) => d.properties.provisioningState !== 'Running' && d.properties.provisioningState !== 'Accepted')) as Failed;
    expect(final.properties.provisioningState).toBe('Failed');
    expect(final.properties.error).toMatchObject({ code: 'DeploymentFailed', details: [{ code: 'BadRequest', target: `${THINGS}/ft2` }] });
    expect(final.properties).not.toHaveProperty('outputs');
    expect((await json<{ status: string }>(put.headers['azure-asyncoperation'] as string)).body.status).toBe('Failed');
    const ops = await json<{ value: Array<{ properties: { provisioningState: string; targetResource: { resourceName: string } } }> }>(`${DEPLOYMENTS}/partial/operations?api-version=2021-04-01`);
    expect(ops.body.value.map((o) => [o.properties.targetResource.resourceName, o.properties.provisioningState])).toEqual([
      ['ft0', 'Succeeded'],
      ['ft1', 'Succeeded'],
      ['ft2', 'Failed'],
    ]);
    expect((await json(`${THINGS}/ft0?api-version=2024-01-01`)).status).toBe(200);
    expect((await json(`${THINGS}/ft1?api-version=2024-01-01`)).status).toBe(200);
    expect((await json(`${THINGS}/ft2?api-version=2024-01-01`)).status).toBe(404);
    expect((await json(`${THINGS}/ft3?api-version=2024-01-01`)).status).toBe(404);
  });
});

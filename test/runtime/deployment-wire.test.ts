import { describe, it, expect } from 'vitest';
import { ManualClock, randomIds, reverseTicksId, silentLogger } from '../../src/core/index.js';
import { useControlPlaneTwin } from '../helpers/control-plane-twin.js';

const SUB = '1a2b3c4d-0000-4000-8000-00000000001d';
const RG = 'rg-wire';
const DEPLOYMENTS = `/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.Resources/deployments`;
const STEP_MS = 150;
const START = Date.UTC(2026, 10, 30, 5, 1, 2, 123);
/** ARM's `timestamp` (Newtonsoft's default): up to 7 fractional digits, trailing zeros dropped, none when zero. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,6}[1-9])?Z$/;

const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [0, 1, 2].map((i) => ({ type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name: `w${i}`, location: 'westeurope', properties: { n: i } })),
  outputs: { n: { type: 'int', value: 3 } },
};

/**
 * The wire format of ARM's deployment answers (azure-cli's recorded sessions, the REST spec's examples): the headers of
 * the PUT (Azure-AsyncOperation with ARM's job id, no Location/Retry-After), ARM's no-cache headers, and timestamps and
 * durations as .NET writes them, from the twin's injected clock.
 */
describe('deployment answers on the wire, as ARM sends them', () => {
  const clock = new ManualClock(START);
  const cp = useControlPlaneTwin('trustline-wire-', { tenantId: '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1d', subscriptionId: SUB, resourceGroup: RG, location: 'westeurope', deploymentStepDelayMs: STEP_MS, clock, ids: randomIds, logger: silentLogger });
  const { json } = cp;
  type Deployment = { properties: { provisioningState: string; timestamp: string; duration: string } };

  it('PUT: 201, Azure-AsyncOperation at …/operationStatuses/{ARM job id} and no Location or Retry-After; ARM\'s no-cache headers; timestamps and XmlConvert durations as ARM writes them, from the clock', async () => {
    const path = `${DEPLOYMENTS}/wire?api-version=2022-09-01`;
    const put = await json<Deployment>(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template } } });
    expect(put.status).toBe(201);
    expect(put.headers['azure-asyncoperation']).toBe(`${cp.twin.ready().controlPlane}${DEPLOYMENTS}/wire/operationStatuses/${reverseTicksId(START)}?api-version=2022-09-01`);
    expect(put.headers).not.toHaveProperty('location');
    expect(put.headers).not.toHaveProperty('retry-after');
    expect(put.headers).toMatchObject({ 'cache-control': 'no-cache', pragma: 'no-cache', expires: '-1', 'x-content-type-options': 'nosniff' });
    // HSTS only under ARM's own host name (a browser would keep it for localhost).
    expect(put.headers).not.toHaveProperty('strict-transport-security');
    expect(put.body.properties).toMatchObject({ provisioningState: 'Accepted', timestamp: '2026-11-30T05:01:02.123Z', duration: 'PT0S' });

    // The run takes 62.5 s of the twin's clock.
    clock.advance(62_500);
    const statusUrl = put.headers['azure-asyncoperation'] as string;
    let status = '';
    for (let i = 0; i < 400 && !['Succeeded', 'Failed', 'Canceled'].includes(status); i++) {
      const st = await json<{ status: string }>(statusUrl);
      expect(st.status).toBe(200);
      expect(st.headers).not.toHaveProperty('retry-after');
      status = st.body.status;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe('Succeeded');
    const done = await json<Deployment>(path);
    expect(done.body.properties).toMatchObject({ provisioningState: 'Succeeded', timestamp: '2026-11-30T05:02:04.623Z', duration: 'PT1M2.5S' });
    type Ops = { value: Array<{ properties: { timestamp: string; duration: string } }> };
    const ops = (await json<Ops>(`${DEPLOYMENTS}/wire/operations?api-version=2022-09-01`)).body.value;
    expect(ops.length).toBe(4);
    for (const op of ops) {
      expect(op.properties.timestamp).toMatch(TIMESTAMP);
      expect(op.properties.duration).toMatch(/^PT(\d+M)?\d+(\.\d{1,7})?S$/);
    }
    const list = (await json<{ value: Deployment[] }>(`${DEPLOYMENTS}?api-version=2022-09-01`)).body.value;
    for (const d of list) expect(d.properties.timestamp).toMatch(TIMESTAMP);
  });

  it('validate answers 200 at once (ARM: synchronous unless the template is large), timestamp from the clock, duration PT0S', async () => {
    const v = await json<Deployment>(`${DEPLOYMENTS}/wire-v/validate?api-version=2022-09-01`, { method: 'POST', body: { properties: { mode: 'Incremental', template } } });
    expect(v.status).toBe(200);
    expect(v.headers).not.toHaveProperty('location');
    expect(v.body.properties).toMatchObject({ provisioningState: 'Succeeded', timestamp: new Date(clock.now()).toISOString().replace(/\.?0+Z$/, 'Z'), duration: 'PT0S' });
  });

  it('whatIf: 202 with Location alone (no Retry-After), an ARM-shaped job token; the poll answers the result', async () => {
    const w = await json(`${DEPLOYMENTS}/wire-w/whatIf?api-version=2022-09-01`, { method: 'POST', body: { properties: { mode: 'Incremental', template } } });
    expect(w.status).toBe(202);
    expect(w.headers).not.toHaveProperty('retry-after');
    expect(w.headers).not.toHaveProperty('azure-asyncoperation');
    const m = /\/subscriptions\/[^/]+\/operationresults\/([A-Za-z0-9_-]+)\?api-version=2022-09-01$/.exec(String(w.headers['location']));
    expect(m, String(w.headers['location'])).not.toBeNull();
    expect(JSON.parse(Buffer.from(m![1]!, 'base64url').toString('utf8'))).toEqual({ jobId: expect.stringMatching(/^DeploymentWhatIfJob-[0-9A-F-]{36}$/), jobLocation: 'westeurope' });
    const result = await json<{ status: string }>(String(w.headers['location']));
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('Succeeded');
  });

  it('job ids of deployments started within one clock tick stay unique (later ones sort first, as ARM\'s reverse ticks do)', async () => {
    const a = await json(`${DEPLOYMENTS}/tick-a?api-version=2022-09-01`, { method: 'PUT', body: { properties: { mode: 'Incremental', template: { ...template, resources: [] } } } });
    const b = await json(`${DEPLOYMENTS}/tick-b?api-version=2022-09-01`, { method: 'PUT', body: { properties: { mode: 'Incremental', template: { ...template, resources: [] } } } });
    const idOf = (h: unknown) => /operationStatuses\/(\d{20})\?/.exec(String(h))![1]!;
    expect(idOf(a.headers['azure-asyncoperation'])).toBe(reverseTicksId(clock.now()));
    expect(idOf(b.headers['azure-asyncoperation']) < idOf(a.headers['azure-asyncoperation'])).toBe(true);
    for (const n of ['tick-a', 'tick-b']) {
      for (let i = 0; i < 200; i++) {
        const d = await json<Deployment>(`${DEPLOYMENTS}/${n}?api-version=2022-09-01`);
        if (d.body.properties.provisioningState === 'Succeeded') break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  it('api-versions: a provider type at a version no provider registered fails the deployment with NoRegisteredProviderFound; a nested deployment outside ARM\'s versions is 400 InvalidTemplate', async () => {
    const bad = { ...template, resources: [{ type: 'Contoso.Widgets/things', apiVersion: '2024-02-30', name: 'bad-w', location: 'westeurope', properties: {} }] };
    const put = await json<Deployment>(`${DEPLOYMENTS}/bad-version?api-version=2022-09-01`, { method: 'PUT', body: { properties: { mode: 'Incremental', template: bad } } });
    expect(put.status).toBe(201);
    type Failed = { properties: { provisioningState: string; error: { code: string; details: Array<{ code: string; message: string; target: string }> } } };
    let d: Failed | undefined;
    for (let i = 0; i < 200; i++) {
      d = (await json<Failed>(`${DEPLOYMENTS}/bad-version?api-version=2022-09-01`)).body;
      if (d.properties.provisioningState === 'Failed') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(d!.properties.error.code).toBe('DeploymentFailed');
    // (the supported versions named are those the twin has seen for the type: the earlier deployments')
    expect(d!.properties.error.details[0]).toMatchObject({
      code: 'NoRegisteredProviderFound',
      target: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Contoso.Widgets/things/bad-w`,
      message: "No registered resource provider found for location 'westeurope' and API version '2024-02-30' for type 'things'. The supported api-versions are '2024-01-01'. The supported locations are 'westeurope'.",
    });
    type Ops = { value: Array<{ properties: { provisioningState: string; statusMessage?: { error: { code: string } } } }> };
    const ops = (await json<Ops>(`${DEPLOYMENTS}/bad-version/operations?api-version=2022-09-01`)).body.value;
    expect(ops.map((o) => [o.properties.provisioningState, o.properties.statusMessage?.error.code])).toEqual([['Failed', 'NoRegisteredProviderFound']]);

    const nested = { ...template, resources: [{ type: 'Microsoft.Resources/deployments', apiVersion: '2021-08-01', name: 'inner', properties: { mode: 'Incremental', template: { ...template, resources: [], outputs: {} } } }], outputs: {} };
    const sync = await json<{ error: { code: string; message: string } }>(`${DEPLOYMENTS}/bad-nested?api-version=2022-09-01`, { method: 'PUT', body: { properties: { mode: 'Incremental', template: nested } } });
    expect(sync.status).toBe(400);
    expect(sync.body.error.code).toBe('InvalidTemplate');
    expect(sync.body.error.message).toMatch(/^Deployment template validation failed: 'The template resource 'inner' is invalid\. 'ApiVersion' property is invalid\. The supported versions are '2025-04-01,.*'\. Please see https:\/\/aka\.ms\/arm-syntax-resources for usage details\.'\.$/);
    expect((await json(`${DEPLOYMENTS}/bad-nested?api-version=2022-09-01`)).status).toBe(404);
  });
  it('onErrorDeployment LastSuccessful picks the latest by time, not by text (…:00Z is earlier than …:00.5Z)', async () => {
    const empty = { ...template, resources: [], outputs: {} };
    const done = async (n: string) => {
      for (let i = 0; i < 200; i++) {
        const d = await json<Deployment>(`${DEPLOYMENTS}/${n}?api-version=2022-09-01`);
        if (d.body.properties.provisioningState === 'Succeeded') return d.body;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`${n} did not succeed`);
    };
    clock.set(Date.UTC(2026, 10, 30, 7, 0, 0, 0));
    await json(`${DEPLOYMENTS}/order-early?api-version=2022-09-01`, { method: 'PUT', body: { properties: { mode: 'Incremental', template: empty } } });
    expect((await done('order-early')).properties.timestamp).toBe('2026-11-30T07:00:00Z');
    clock.set(Date.UTC(2026, 10, 30, 7, 0, 0, 500));
    await json(`${DEPLOYMENTS}/order-late?api-version=2022-09-01`, { method: 'PUT', body: { properties: { mode: 'Incremental', template: empty } } });
    expect((await done('order-late')).properties.timestamp).toBe('2026-11-30T07:00:00.5Z');
    const failing = await json<{ properties: { onErrorDeployment: { type: string; deploymentName: string } } }>(`${DEPLOYMENTS}/order-fail?api-version=2022-09-01`, {
      method: 'PUT',
      body: { properties: { mode: 'Incremental', template: { ...empty, resources: [{ type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name: 'nope', properties: 'x' }] }, onErrorDeployment: { type: 'LastSuccessful' } } },
    });
    expect(failing.body.properties.onErrorDeployment).toEqual({ type: 'LastSuccessful', deploymentName: 'order-late' });
  });
});

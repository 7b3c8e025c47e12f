/**
 * Issue 8: a heavy template froze the whole twin (gateway, identity, control plane) because deployments
 * were evaluated on the main thread. With `deployThread: 'worker'` (what `trustline up` uses) the
 * identity listener keeps answering while a deployment is evaluated. Needs the compiled dist/ (npm test
 * builds it first).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { ManualClock, sequentialIds, silentLogger } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';

const TENANT = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1c';
const SUB = '1a2b3c4d-0000-4000-8000-000000000008';

/** A legal but heavy template: 2 output loops of 200 unions of 20,000 integers (about 10 M steps). */
function heavyTemplate() {
  const outputs: Record<string, unknown> = {};
  for (let i = 0; i < 2; i++) {
    outputs[`o${i}`] = { type: 'array', copy: { count: 200, input: '[length(union(range(0, 10000), range(copyIndex(), 10000)))]' } };
  }
  return { resources: [{ type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'id-heavy', location: 'westeurope' }], outputs };
}

describe('deployments are evaluated off the main thread', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-offthread-'));
    twin = await startTwin({
      stateDir: dir,
      inMemory: true,
      tenantId: TENANT,
      subscriptionId: SUB,
      resourceGroup: 'rg-heavy',
      location: 'westeurope',
      deployThread: 'worker',
      clock: new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0)),
      ids: sequentialIds('0000aaaa'),
      logger: silentLogger,
    });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the identity listener answers while a heavy deployment runs, and the deployment lands in the store', async () => {
    const url = `${twin.ready().identity.authority}/v2.0/.well-known/openid-configuration`;
    let pending = true;
    const started = performance.now();
    const deployment = twin.deploy({ deploymentName: 'heavy', template: heavyTemplate() }).finally(() => {
      pending = false;
    });
    const gaps: number[] = [];
    let answeredDuringDeployment = 0;
    let last = performance.now();
    while (pending) {
      const r = await request(url, { dispatcher: tls });
      expect(r.statusCode).toBe(200);
      await r.body.dump();
      const now = performance.now();
      gaps.push(now - last);
      last = now;
      if (pending) answeredDuringDeployment++;
      await new Promise((r) => setTimeout(r, 25));
    }
    const result = await deployment;
    const took = performance.now() - started;
    expect(result.outputs['o1']?.value).toHaveLength(200);
    // The deployment took long enough that a blocked main thread could not have answered this often.
    expect(took).toBeGreaterThan(200);
    expect(answeredDuringDeployment).toBeGreaterThanOrEqual(3);
    expect(Math.max(...gaps.slice(1))).toBeLessThan(Math.max(250, took / 3));
    const id = `/subscriptions/${SUB}/resourceGroups/rg-heavy/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-heavy`;
    const stored = twin.store.getResource(id);
    expect(stored?.properties['principalId']).toMatch(/^0000aaaa-/);
    expect(twin.store.getResource(`/subscriptions/${SUB}/resourceGroups/rg-heavy/providers/Microsoft.Resources/deployments/heavy`)?.properties['timestamp']).toBe('2026-11-29T12:00:00Z');
  }, 60_000);

  it('a failing deployment on the worker rejects with the coded error and its location, and writes nothing', async () => {
    const before = twin.store.listResources().length;
    const template = { resources: [], outputs: { x: { type: 'int', value: "[length(split(padLeft('', 200000000), ' '))]" } } };
    await expect(twin.deploy({ deploymentName: 'bad', template })).rejects.toMatchObject({
      code: 'ERR_ARM_LIMIT_EXCEEDED',
      location: { jsonPath: 'outputs.x.value' },
    });
    expect(twin.store.listResources()).toHaveLength(before);
  });
  it('a resource refused on the worker: the resources before it cross back (details.partial) and a stepped deployment keeps them', async () => {
    const things = `/subscriptions/${SUB}/resourceGroups/rg-heavy/providers/Contoso.Widgets/things`;
    const template = {
      resources: [0, 1, 2, 3].map((i) => ({ type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name: `p${i}`, properties: i === 2 ? 'refused' : { i }, ...(i > 0 ? { dependsOn: [`p${i - 1}`] } : {}) })),
    };
    let accepted = false;
    const failure = await twin.deploy({ deploymentName: 'partial', template }, { onAccepted: () => (accepted = true) }).then(
      () => undefined,
      (e: unknown) => e as { code: string; details: Record<string, unknown> },
    );
    expect(failure?.code).toBe('ERR_ARM_RESOURCE_INVALID');
    expect(accepted).toBe(true);
    expect(failure?.details['written']).toEqual([`${things}/p0`, `${things}/p1`]);
    expect(failure?.details).not.toHaveProperty('partial');
    expect(twin.store.getResource(`${things}/p1`)?.properties).toMatchObject({ i: 1 });
    expect(twin.store.getResource(`${things}/p2`)).toBeUndefined();
    expect(twin.store.getResource(`${things}/p3`)).toBeUndefined();
    // Without a stepped run (Twin.deploy, trustline up), a failure still writes nothing.
    await expect(twin.deploy({ deploymentName: 'whole', template: { resources: template.resources.map((r) => ({ ...r, name: `q${r.name}`, ...(r.dependsOn ? { dependsOn: [`q${r.dependsOn[0]}`] } : {}) })) } })).rejects.toMatchObject({ code: 'ERR_ARM_RESOURCE_INVALID' });
    expect(twin.store.getResource(`${things}/qp0`)).toBeUndefined();
  });

  it('a Microsoft Graph extension template deployed on the worker lands in the directory: the granted app role reaches the token', async () => {
    const { graphChainTemplate } = await import('../arm/helpers/graph-template.js');
    const result = await twin.deploy({ deploymentName: 'graph-worker', template: graphChainTemplate, parameters: { prefix: { value: 'worker' } } });
    const token = await twin.identity.issueManagedIdentityToken({ resource: 'api://worker-api', clientId: String(result.outputs['callerClientId']!.value) });
    const claims = JSON.parse(Buffer.from(token.access_token.split('.')[1]!, 'base64url').toString('utf8')) as { roles?: string[] };
    expect(claims.roles).toEqual(['Orders.Read']);
  });
});

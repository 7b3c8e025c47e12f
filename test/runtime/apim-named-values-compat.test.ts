// compat.gateway.namedValuesAfterXmlParse reaches the deployments of a running twin (the APIM provider's validation on
// save), on the main thread and on the deployment worker (docs/differences.md, docs/behaviour/apim.md §1.2).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';

const TENANT = '3f9c2b1a-7d4e-4c6b-9a8f-1e2d3c4b5a69';
const SVC = 'Microsoft.ApiManagement/service';
const template = (name: string) => ({
  resources: [
    { type: SVC, apiVersion: '2022-08-01', name, location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, properties: { publisherEmail: 'a@contoso.com', publisherName: 'C' } },
    { type: `${SVC}/namedValues`, apiVersion: '2022-08-01', name: `${name}/msg`, dependsOn: [name], properties: { displayName: 'msg', value: 'Say "please" & wait' } },
    {
      type: `${SVC}/policies`, apiVersion: '2022-08-01', name: `${name}/policy`, dependsOn: [`${name}/msg`],
      properties: { format: 'xml', value: '<policies><inbound><set-variable name="m" value="{{msg}}" /></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>' },
    },
  ],
});

describe('compat.gateway.namedValuesAfterXmlParse in a running twin', () => {
  const dirs: string[] = [];
  const twins: Twin[] = [];
  afterAll(async () => {
    for (const t of twins) await t.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const start = async (namedValuesAfterXmlParse?: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'apim-nv-'));
    dirs.push(dir);
    const twin = await startTwin({
      stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000032', resourceGroup: 'rg-nv', location: 'westeurope',
      controlPlaneAuth: false, clock: systemClock, ids: randomIds, logger: silentLogger,
      ...(namedValuesAfterXmlParse !== undefined ? { compat: { gateway: { namedValuesAfterXmlParse } } } : {}),
    });
    twins.push(twin);
    return twin;
  };

  it('false: a value with a quote in an attribute breaks the policy and the deployment is refused on either thread; by default it deploys', async () => {
    const textual = await start(false);
    for (const thread of ['main', 'worker'] as const) {
      const e = await textual.deploy({ deploymentName: `d-${thread}`, template: template(`s-${thread}`) }, { thread }).then(() => undefined, (err: unknown) => err as { code: string; message: string });
      expect(e?.code, thread).toBe('ERR_ARM_RESOURCE_INVALID');
      expect(e?.message).toContain('ERR_APIM_POLICY_XML');
    }
    const dflt = await start();
    await dflt.deploy({ deploymentName: 'd', template: template('s1') }, { thread: 'worker' });
    expect(dflt.store.listResources({ type: `${SVC}/policies` }).map((r) => r.name)).toEqual(['s1/policy']);
  });
});

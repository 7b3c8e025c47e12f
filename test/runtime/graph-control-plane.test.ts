/**
 * The Graph-extension chain template through the ARM REST control plane (as `az deployment group create` and
 * `what-if` send it): the deployment succeeds with one operation per resource, the Graph objects' operations included,
 * and what-if of the same template afterwards answers NoChange/Ignore rather than failing on the Graph resources.
 */
import { describe, it, expect } from 'vitest';
import { realTimeTwin, useControlPlaneTwin } from '../helpers/control-plane-twin.js';
import { graphChainTemplate } from '../arm/helpers/graph-template.js';

const SUB = '1a2b3c4d-0000-4000-8000-0000000000f3';
const RG = 'rg-graph-cp';
const DEPLOYMENTS = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Resources/deployments`;

describe('a Microsoft Graph extension template through the control plane', () => {
  const { json } = useControlPlaneTwin('trustline-graph-cp-', realTimeTwin('0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2bf3', SUB, RG));
  const poll = async <T>(url: string, done: (b: T, status: number) => boolean) => {
    for (let i = 0; i < 600; i++) {
      const r = await json<T>(url);
      if (done(r.body, r.status)) return r.body;
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error(`${url} never ended`);
  };

  it('deploys (operations name the Graph objects) and what-if afterwards changes nothing', async () => {
    const body = { properties: { mode: 'Incremental', template: graphChainTemplate, parameters: { prefix: { value: 'cp' } } } };
    const path = `${DEPLOYMENTS}/chain?api-version=2022-09-01`;
    expect((await json(path, { method: 'PUT', body })).status).toBe(201);
    const final = await poll<{ properties: { provisioningState: string; error?: unknown } }>(path, (b) => !['Accepted', 'Running'].includes(b.properties.provisioningState));
    expect(final.properties.provisioningState, JSON.stringify(final.properties.error)).toBe('Succeeded');
    const ops = await json<{ value: Array<{ properties: { provisioningState: string; targetResource?: { id: string } } }> }>(`${DEPLOYMENTS}/chain/operations?api-version=2022-09-01`);
    const targets = ops.body.value.map((o) => o.properties.targetResource?.id).filter((x): x is string => x !== undefined);
    expect(targets).toEqual(expect.arrayContaining(['/providers/Microsoft.Graph/applications/cp-api', '/providers/Microsoft.Graph/servicePrincipals/sp', '/providers/Microsoft.Graph/appRoleAssignedTo/grant']));

    const whatIf = await json(`${DEPLOYMENTS}/chain/whatIf?api-version=2022-09-01`, { method: 'POST', body });
    expect(whatIf.status).toBe(202);
    const result = await poll<{ status: string; error?: unknown; properties?: { changes: Array<{ resourceId: string; changeType: string }> } }>(String(whatIf.headers['location']), (_b, status) => status === 200);
    expect(result.status, JSON.stringify(result.error)).toBe('Succeeded');
    const changed = result.properties!.changes.filter((c) => !['NoChange', 'Ignore'].includes(c.changeType));
    expect(changed).toEqual([]);
  });
});

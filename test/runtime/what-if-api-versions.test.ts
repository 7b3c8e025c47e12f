// What-if reads the resources a template changes with the template's api-version (as GET/PUT/PATCH answer in the
// request api-version's shape): a template of an older version sees its own shape in before, after and the deltas.
import { describe, expect, it } from 'vitest';
import { realTimeTwin, useControlPlaneTwin } from '../helpers/control-plane-twin.js';

const TENANT = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c62';
const SUB = '1a2b3c4d-0000-4000-8000-000000000062';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-whatif-shapes`;
const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';
const policy = (header: string) =>
  `<policies><inbound><base /><set-header name="${header}" exists-action="override"><value>1</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;
const service = { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 'apim-shapes', location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, properties: { publisherEmail: 'a@contoso.com', publisherName: 'Contoso' } };

type Change = { resourceId: string; changeType: string; before?: Record<string, any>; after?: Record<string, any>; delta?: Array<{ path: string; propertyChangeType: string; before?: unknown; after?: unknown }> };

describe('what-if payloads in the template api-version shape', () => {
  const cp = useControlPlaneTwin('trustline-whatif-shapes-', realTimeTwin(TENANT, SUB, 'rg-whatif-shapes'));

  const whatIf = async (resources: unknown[]) => {
    const started = await cp.json(`${RG}/providers/Microsoft.Resources/deployments/shapes/whatIf?api-version=2021-04-01`, {
      method: 'POST',
      body: { properties: { mode: 'Incremental', template: { $schema: SCHEMA, contentVersion: '1.0.0.0', resources } } },
    });
    expect(started.status).toBe(202);
    let poll = await cp.json<{ status: string; properties: { changes: Change[] } }>(started.headers['location'] as string);
    for (let i = 0; i < 100 && poll.status === 202; i++) {
      await new Promise((r) => setTimeout(r, 50));
      poll = await cp.json(started.headers['location'] as string);
    }
    expect(poll.body.status).toBe('Succeeded');
    return Object.fromEntries(poll.body.properties.changes.map((c) => [c.resourceId.replace(/^.*\/service\//, ''), c]));
  };

  it('an APIM policy at 2018-01-01: policyContent in before, after and the delta; at 2022-08-01: value and format', async () => {
    await cp.twin.deploy({
      deploymentName: 'base',
      template: { $schema: SCHEMA, contentVersion: '1.0.0.0', resources: [service, { type: 'Microsoft.ApiManagement/service/policies', apiVersion: '2022-08-01', name: 'apim-shapes/policy', dependsOn: ['apim-shapes'], properties: { format: 'rawxml', value: policy('x-one') } }] },
    });
    const old = { type: 'Microsoft.ApiManagement/service/policies', apiVersion: '2018-01-01', name: 'apim-shapes/policy', dependsOn: ['apim-shapes'], properties: { policyContent: policy('x-two'), contentFormat: 'rawxml' } };
    const changes = await whatIf([service, old]);
    const change = changes['apim-shapes/policies/policy']!;
    expect(change.changeType).toBe('Modify');
    expect(change.before).toMatchObject({ apiVersion: '2018-01-01', properties: { policyContent: policy('x-one') } });
    expect(change.after).toMatchObject({ apiVersion: '2018-01-01', properties: { policyContent: policy('x-two') } });
    for (const side of [change.before!, change.after!]) expect(Object.keys(side['properties'])).toEqual(['policyContent']);
    expect(change.delta).toEqual([{ path: 'properties.policyContent', propertyChangeType: 'Modify', before: policy('x-one'), after: policy('x-two') }]);

    // The same content at 2018-01-01 is no change, whatever shape it was deployed in.
    const same = await whatIf([service, { ...old, properties: { policyContent: policy('x-one'), contentFormat: 'rawxml' } }]);
    expect(same['apim-shapes/policies/policy']?.changeType).toBe('NoChange');

    // A current template sees the current shape.
    const current = await whatIf([service, { ...old, apiVersion: '2022-08-01', properties: { format: 'rawxml', value: policy('x-three') } }]);
    expect(current['apim-shapes/policies/policy']?.before?.['properties']).toMatchObject({ format: 'rawxml', value: policy('x-one') });
    expect(current['apim-shapes/policies/policy']?.delta).toEqual([{ path: 'properties.value', propertyChangeType: 'Modify', before: policy('x-one'), after: policy('x-three') }]);
  }, 60_000);
});

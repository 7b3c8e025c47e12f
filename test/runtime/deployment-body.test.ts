import { describe, it, expect } from 'vitest';
import { realTimeTwin, useControlPlaneTwin } from '../helpers/control-plane-twin.js';

const SUB = '1a2b3c4d-0000-4000-8000-0000000000b0';
const RG = 'rg-body';
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const DEPLOYMENTS = `/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.Resources/deployments`;
const THINGS = `${RG_ID}/providers/Contoso.Widgets/things`;

/** A parent, a child of it (no location of its own) waiting for it, a second type, and a nested deployment. */
const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  parameters: {
    label: { type: 'string' },
    count: { type: 'int', defaultValue: 2 },
    secret: { type: 'securestring' },
  },
  resources: [
    { type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name: 'parent', location: 'westeurope', properties: { label: "[parameters('label')]" } },
    { type: 'Contoso.Widgets/things/parts', apiVersion: '2024-01-01', name: 'parent/part', properties: {}, dependsOn: ['parent'] },
    { type: 'Contoso.Gadgets/gizmos', apiVersion: '2024-01-01', name: 'gizmo', location: 'northeurope', properties: {}, dependsOn: ["[resourceId('Contoso.Widgets/things/parts', 'parent', 'part')]", 'parent'] },
    {
      type: 'Microsoft.Resources/deployments',
      apiVersion: '2022-09-01',
      name: 'inner',
      dependsOn: ['gizmo'],
      properties: { mode: 'Incremental', template: { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [] } },
    },
  ],
  outputs: {
    label: { type: 'string', value: "[parameters('label')]" },
    n: { type: 'int', value: "[parameters('count')]" },
    hidden: { type: 'securestring', value: "[parameters('secret')]" },
    o: { type: 'object', value: { a: 1 } },
  },
};

const basic = (type: string, name: string, id: string) => ({ id, resourceType: type, resourceName: name });

describe('the deployment body as ARM writes it (REST spec, Deployments - Create Or Update)', () => {
  const { json } = useControlPlaneTwin('trustline-body-', { ...realTimeTwin('0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2bb0', SUB, RG), deploymentStepDelayMs: 50 });

  it('Accepted already carries providers and dependencies; Succeeded adds typed outputs, secure values left out', async () => {
    const path = `${DEPLOYMENTS}/body?api-version=2021-04-01`;
    const parameters = { label: { value: 'hello' }, secret: { value: 's3cr3t' } };
    const put = await json<{ properties: Record<string, unknown> }>(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template, parameters } } });
    expect(put.status).toBe(201);
    const accepted = put.body.properties;
    expect(accepted['provisioningState']).toBe('Accepted');
    const providers = [
      { namespace: 'Contoso.Widgets', resourceTypes: [{ resourceType: 'things', locations: ['westeurope'] }, { resourceType: 'things/parts', locations: ['westeurope'] }] },
      { namespace: 'Contoso.Gadgets', resourceTypes: [{ resourceType: 'gizmos', locations: ['northeurope'] }] },
      { namespace: 'Microsoft.Resources', resourceTypes: [{ resourceType: 'deployments', locations: ['westeurope'] }] },
    ];
    const dependencies = [
      { dependsOn: [basic('Contoso.Widgets/things', 'parent', `${THINGS}/parent`)], ...basic('Contoso.Widgets/things/parts', 'parent/part', `${THINGS}/parent/parts/part`) },
      {
        dependsOn: [basic('Contoso.Widgets/things/parts', 'parent/part', `${THINGS}/parent/parts/part`), basic('Contoso.Widgets/things', 'parent', `${THINGS}/parent`)],
        ...basic('Contoso.Gadgets/gizmos', 'gizmo', `${RG_ID}/providers/Contoso.Gadgets/gizmos/gizmo`),
      },
      {
        dependsOn: [basic('Contoso.Gadgets/gizmos', 'gizmo', `${RG_ID}/providers/Contoso.Gadgets/gizmos/gizmo`)],
        ...basic('Microsoft.Resources/deployments', 'inner', `${RG_ID}/providers/Microsoft.Resources/deployments/inner`),
      },
    ];
    expect(accepted['providers']).toEqual(providers);
    expect(accepted['dependencies']).toEqual(dependencies);
    expect(accepted['parameters']).toEqual({ label: { type: 'String', value: 'hello' }, count: { type: 'Int', value: 2 }, secret: { type: 'SecureString' } });

    let done: Record<string, unknown> | undefined;
    for (let i = 0; i < 400 && !done; i++) {
      const d = (await json<{ properties: Record<string, unknown> }>(path)).body.properties;
      if (d['provisioningState'] === 'Succeeded') done = d;
      else await new Promise((r) => setTimeout(r, 10));
    }
    expect(done).toBeDefined();
    expect(done!['providers']).toEqual(providers);
    expect(done!['dependencies']).toEqual(dependencies);
    expect(done!['parameters']).toEqual({ label: { type: 'String', value: 'hello' }, count: { type: 'Int', value: 2 }, secret: { type: 'SecureString' } });
    expect(done!['outputs']).toEqual({ label: { type: 'String', value: 'hello' }, n: { type: 'Int', value: 2 }, hidden: { type: 'SecureString' }, o: { type: 'Object', value: { a: 1 } } });
    expect(JSON.stringify(done)).not.toContain('s3cr3t');
    expect(done!['correlationId']).toBe(accepted['correlationId']);
    expect(done!['templateHash']).toBe(accepted['templateHash']);
    expect(done!['duration']).toMatch(/^PT(\d+M)?\d+(\.\d+)?S$/);
    expect(done!['mode']).toBe('Incremental');
    expect((done!['outputResources'] as Array<{ id: string }>).map((o) => o.id)).toEqual([
      `${THINGS}/parent`,
      `${THINGS}/parent/parts/part`,
      `${RG_ID}/providers/Contoso.Gadgets/gizmos/gizmo`,
      `${RG_ID}/providers/Microsoft.Resources/deployments/inner`,
    ]);
  });
});

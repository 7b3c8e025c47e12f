/**
 * `POST …/deployments/{name}/listOutputsWithSecureValues`: what Bicep compiles a module's @secure() output to. GET shows a
 * secure output by its type alone; the action answers every output's value by name (no `{type, value}` envelope), for
 * the root deployment and for a nested one (a Bicep module).
 */
import { describe, it, expect } from 'vitest';
import { realTimeTwin, useControlPlaneTwin } from '../helpers/control-plane-twin.js';

const SUB = '1a2b3c4d-0000-4000-8000-0000000000e5';
const RG = 'rg-secure-out';
const DEPLOYMENTS = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Resources/deployments`;
const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

const template = {
  $schema: SCHEMA,
  contentVersion: '1.0.0.0',
  parameters: { password: { type: 'securestring' } },
  resources: [
    {
      type: 'Microsoft.Resources/deployments',
      apiVersion: '2022-09-01',
      name: 'module',
      properties: {
        mode: 'Incremental',
        expressionEvaluationOptions: { scope: 'inner' },
        parameters: { secret: { value: "[parameters('password')]" } },
        template: {
          $schema: SCHEMA,
          contentVersion: '1.0.0.0',
          parameters: { secret: { type: 'securestring' } },
          resources: [],
          outputs: { connection: { type: 'securestring', value: "[format('Server=db;Password={0}', parameters('secret'))]" }, plain: { type: 'string', value: 'visible' } },
        },
      },
    },
  ],
  outputs: {
    fromModule: { type: 'securestring', value: "[listOutputsWithSecureValues(resourceId('Microsoft.Resources/deployments', 'module'), '2022-09-01').connection]" },
    count: { type: 'int', value: 2 },
  },
};

type Deployment = { properties: { provisioningState: string; outputs?: Record<string, unknown> } };

describe('listOutputsWithSecureValues on the control plane', () => {
  const { json } = useControlPlaneTwin('trustline-secure-outputs-', realTimeTwin('0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2be5', SUB, RG));
  const ended = async (path: string) => {
    for (let i = 0; i < 400; i++) {
      const d = await json<Deployment>(path);
      if (!['Accepted', 'Running'].includes(d.body.properties.provisioningState)) return d.body;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${path} never ended`);
  };

  it('GET hides secure outputs behind their type; the POST action answers the values by name, root and nested', async () => {
    const path = `${DEPLOYMENTS}/secure?api-version=2022-09-01`;
    expect((await json(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template, parameters: { password: { value: 'p@ss' } } } } })).status).toBe(201);
    const final = await ended(path);
    expect(final.properties.provisioningState).toBe('Succeeded');
    expect(final.properties.outputs).toEqual({ fromModule: { type: 'SecureString' }, count: { type: 'Int', value: 2 } });
    const module = await json<Deployment>(`${DEPLOYMENTS}/module?api-version=2022-09-01`);
    expect(module.body.properties.outputs).toEqual({ connection: { type: 'SecureString' }, plain: { type: 'String', value: 'visible' } });

    const root = await json(`${DEPLOYMENTS}/secure/listOutputsWithSecureValues?api-version=2022-09-01`, { method: 'POST' });
    expect(root.status).toBe(200);
    expect(root.body).toEqual({ fromModule: 'Server=db;Password=p@ss', count: 2 });
    const nested = await json(`${DEPLOYMENTS}/module/listOutputsWithSecureValues?api-version=2025-04-01`, { method: 'POST' });
    expect(nested.body).toEqual({ connection: 'Server=db;Password=p@ss', plain: 'visible' });
  });

  it('a deployment that does not exist: 404 DeploymentNotFound; GET on the action: 405; a failed deployment has no outputs', async () => {
    const missing = await json<{ error: { code: string } }>(`${DEPLOYMENTS}/nope/listOutputsWithSecureValues?api-version=2022-09-01`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('DeploymentNotFound');
    expect((await json(`${DEPLOYMENTS}/secure/listOutputsWithSecureValues?api-version=2022-09-01`)).status).toBe(405);
    const failing = { $schema: SCHEMA, contentVersion: '1.0.0.0', resources: [{ type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name: 'w', properties: 'not an object' }], outputs: { s: { type: 'securestring', value: 'x' } } };
    const path = `${DEPLOYMENTS}/failing?api-version=2022-09-01`;
    await json(path, { method: 'PUT', body: { properties: { mode: 'Incremental', template: failing } } });
    expect((await ended(path)).properties.provisioningState).toBe('Failed');
    expect((await json(`${DEPLOYMENTS}/failing/listOutputsWithSecureValues?api-version=2022-09-01`, { method: 'POST' })).body).toEqual({});
  });
});

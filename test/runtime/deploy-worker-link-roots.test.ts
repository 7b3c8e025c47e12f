// `trustline up --link-root PREFIX=DIR`: a deployment sent to the control plane (az deployment group create,
// trustline deploy, what-if) is evaluated on the deployment worker, and reads linked templates and APIM `*-link`
// documents through the same offline mirrors as `up`'s own deployment. Needs the compiled dist/ (npm test builds it).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realTimeTwin, useControlPlaneTwin } from '../helpers/control-plane-twin.js';

const TENANT = '5e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a61';
const SUB = '1a2b3c4d-0000-4000-8000-000000000061';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-mirror`;
const PREFIX = 'https://raw.githubusercontent.com/contoso/infra/main/';

const mirror = mkdtempSync(join(tmpdir(), 'trustline-mirror-'));
mkdirSync(join(mirror, 'nested'));
writeFileSync(
  join(mirror, 'nested', 'identity.json'),
  JSON.stringify({
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: { name: { type: 'string' } },
    resources: [{ type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: "[parameters('name')]", location: 'westeurope' }],
    outputs: { linked: { type: 'string', value: "[concat('from the mirror: ', parameters('name'))]" } },
  }),
);
writeFileSync(join(mirror, 'policy.xml'), '<policies><inbound><base /><set-header name="x-mirrored" exists-action="override"><value>yes</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>');

const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [
    {
      type: 'Microsoft.Resources/deployments',
      apiVersion: '2022-09-01',
      name: 'linked',
      properties: { mode: 'Incremental', templateLink: { uri: `${PREFIX}nested/identity.json?sv=2022&sig=x` }, parameters: { name: { value: 'id-mirrored' } } },
    },
    { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 'apim-mirror', location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, properties: { publisherEmail: 'a@contoso.com', publisherName: 'Contoso' } },
    {
      type: 'Microsoft.ApiManagement/service/policies',
      apiVersion: '2022-08-01',
      name: 'apim-mirror/policy',
      dependsOn: ['apim-mirror'],
      properties: { format: 'rawxml-link', value: `${PREFIX}policy.xml` },
    },
  ],
  outputs: { linked: { type: 'string', value: "[reference('linked').outputs.linked.value]" } },
};

describe('control-plane deployments on the worker read through --link-root mirrors', () => {
  const cp = useControlPlaneTwin('trustline-worker-links-', { ...realTimeTwin(TENANT, SUB, 'rg-mirror'), deployThread: 'worker', linkRoots: [{ prefix: PREFIX, dir: mirror }] });
  const json = cp.json;
  afterAll(() => rmSync(mirror, { recursive: true, force: true }));

  it('what-if and PUT of a deployment with a linked template and a rawxml-link policy', async () => {
    const body = { properties: { mode: 'Incremental', template } };
    const whatIf = await json<{ status: string; properties?: { changes: Array<{ resourceId: string; changeType: string }> }; error?: unknown }>(
      `${RG}/providers/Microsoft.Resources/deployments/mirrored/whatIf?api-version=2021-04-01`,
      { method: 'POST', body },
    );
    let op = whatIf;
    for (let i = 0; i < 100 && (op.status === 202 || op.body.status === 'Running'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      op = await json(op.headers['location'] as string);
    }
    expect(op.body.error).toBeUndefined();
    expect(op.body.status).toBe('Succeeded');
    const creates = op.body.properties!.changes.filter((c) => c.changeType === 'Create').map((c) => c.resourceId.split('/providers/')[1]);
    expect(creates).toEqual(expect.arrayContaining(['Microsoft.ManagedIdentity/userAssignedIdentities/id-mirrored', 'Microsoft.ApiManagement/service/apim-mirror/policies/policy']));

    const put = await json(`${RG}/providers/Microsoft.Resources/deployments/mirrored?api-version=2021-04-01`, { method: 'PUT', body });
    expect(put.status).toBe(201);
    type Deployment = { properties: { provisioningState: string; outputs?: Record<string, { value: unknown }>; error?: unknown } };
    let d = await json<Deployment>(`${RG}/providers/Microsoft.Resources/deployments/mirrored?api-version=2021-04-01`);
    for (let i = 0; i < 200 && !['Succeeded', 'Failed', 'Canceled'].includes(d.body.properties.provisioningState); i++) {
      await new Promise((r) => setTimeout(r, 50));
      d = await json<Deployment>(`${RG}/providers/Microsoft.Resources/deployments/mirrored?api-version=2021-04-01`);
    }
    expect(d.body.properties.error).toBeUndefined();
    expect(d.body.properties.provisioningState).toBe('Succeeded');
    expect(d.body.properties.outputs?.['linked']?.value).toBe('from the mirror: id-mirrored');
    expect(cp.twin.store.getResource(`${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-mirrored`)).toBeDefined();
    const policy = cp.twin.store.getResource(`${RG}/providers/Microsoft.ApiManagement/service/apim-mirror/policies/policy`);
    expect(policy?.listResults?.['content']).toContain('x-mirrored');
  }, 60_000);
});

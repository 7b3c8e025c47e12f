import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploy, expandTemplate, isWellFormedApiVersion } from '../../src/arm/index.js';
import { RG, setup } from './helpers/seed.js';

function err(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    const x = e as { code: string; message: string; location: unknown; details?: Record<string, unknown> };
    return { code: x.code, message: x.message, location: x.location, details: x.details };
  }
  throw new Error('expected an error');
}

const nested = (apiVersion: string) => ({
  type: 'Microsoft.Resources/deployments',
  apiVersion,
  name: 'inner',
  properties: { mode: 'Incremental', template: { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [] } },
});

describe('api-versions of template resources, as ARM checks them', () => {
  it('isWellFormedApiVersion: YYYY-MM-DD (or YYYY-MM) with an optional suffix, on a real calendar day', () => {
    for (const v of ['2022-09-01', '2023-07-01-preview', '2020-01-01-privatepreview', '2018-12-01-alpha', '2014-04', '2024-02-29']) expect(isWellFormedApiVersion(v), v).toBe(true);
    for (const v of ['latest', '2022-13-01', '2023-02-29', '2022-09-31', '2022-9-1', '20220901', '2022-09-01 ', '2022-09-01-', 'v1', '']) expect(isWellFormedApiVersion(v), v).toBe(false);
  });

  it("a provider's type at a version no provider could register fails with ARM's NoRegisteredProviderFound message; any well-formed version is accepted", () => {
    const { options } = setup();
    const template = { text: '{\n "resources": [\n  { "type": "Contoso.Widgets/things", "apiVersion": "2022-13-01", "name": "w", "location": "westeurope", "properties": {} }\n ]\n}', file: 't.json' };
    const e = err(() => deploy({ deploymentName: 'd', template }, options));
    expect(e.code).toBe('ERR_ARM_API_VERSION_UNSUPPORTED');
    expect(e.message).toBe("No registered resource provider found for location 'westeurope' and API version '2022-13-01' for type 'things'. The supported api-versions are ''. The supported locations are 'westeurope'.");
    expect(e.location).toMatchObject({ file: 't.json', line: 3 });
    expect(e.details).toMatchObject({ resourceId: `${RG}/providers/Contoso.Widgets/things/w`, apiVersion: '2022-13-01' });
    // The versions the twin has seen for the type are named; a far-future but well-formed version deploys.
    deploy({ deploymentName: 'ok', template: { resources: [{ type: 'Contoso.Widgets/things', apiVersion: '2099-01-01-preview', name: 'w2', properties: {} }] } }, options);
    const again = err(() => deploy({ deploymentName: 'd2', template: { resources: [{ type: 'Contoso.Widgets/things', apiVersion: 'latest', name: 'w3', properties: {} }] } }, options));
    expect(again.message).toContain("The supported api-versions are '2099-01-01-preview'.");
    // A simulated type is checked the same way.
    const site = err(() => deploy({ deploymentName: 'd3', template: { resources: [{ type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-1', name: 'plan', properties: {} }] } }, options));
    expect(site.code).toBe('ERR_ARM_API_VERSION_UNSUPPORTED');
    // --loose: a warning, and the resource is written.
    const loose = deploy({ deploymentName: 'd4', template: { resources: [{ type: 'Contoso.Widgets/things', apiVersion: 'latest', name: 'w4', properties: {} }] } }, { ...options, loose: true });
    expect(loose.warnings.join('\n')).toContain("No registered resource provider found for location 'westeurope' and API version 'latest'");
  });

  it("a nested deployment outside ARM's own versions is ARM's synchronous template error ('ApiVersion' property is invalid)", () => {
    const { options } = setup();
    const template = { text: JSON.stringify({ resources: [nested('2021-08-01')] }, null, 1), file: 'n.json' };
    const e = err(() => deploy({ deploymentName: 'd', template }, options));
    expect(e.code).toBe('ERR_ARM_TEMPLATE_INVALID');
    expect(err(() => deploy({ deploymentName: 'd1', template: { resources: [nested('latest')] } }, options)).code).toBe('ERR_ARM_TEMPLATE_INVALID');
    expect(e.message).toMatch(/^The template resource 'inner' at line '3' and column '\d+' is invalid\. 'ApiVersion' property is invalid\. The supported versions are '2025-04-01,2025-03-01,.*,2014-04'\. Please see https:\/\/aka\.ms\/arm-syntax-resources for usage details\.$/);
    expect(e.location).toMatchObject({ jsonPath: 'resources[0].apiVersion' });
    // ARM's versions, and one dated after the newest of the twin's list (ARM may have registered it since).
    for (const v of ['2025-04-01', '2022-09-01', '2015-01-01', '2019-10-01', '2026-09-01']) deploy({ deploymentName: `ok-${v}`, template: { resources: [nested(v)] } }, options);
  });

  it('trustline expand warns instead (expansion shows the template)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-apiv-'));
    const file = join(dir, 'azuredeploy.json');
    writeFileSync(file, JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [{ type: 'Contoso.Widgets/things', apiVersion: 'latest', name: 'w', properties: {} }, nested('2021-08-01')] }));
    const r = expandTemplate({ templateFile: file, scope: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', tenantId: 'tttttttt-0000-0000-0000-000000000000', location: 'westeurope' } });
    expect(r.resources.map((x) => x.name)).toEqual(['w', 'inner']);
    expect(r.warnings.join('\n')).toContain("API version 'latest'");
    expect(r.warnings.join('\n')).toContain("'ApiVersion' property is invalid");
  });
});

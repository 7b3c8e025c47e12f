import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatWhatIf, type WhatIfResourceChange } from '../../src/cli/what-if-format.js';

const HERE = import.meta.dirname;
/** The az CLI's own rendering (Debian's azure-cli runs on /usr/bin/python3 with its modules on that path). */
function azRender(result: unknown): string {
  return execFileSync('/usr/bin/python3', [join(HERE, 'az-what-if-format.py')], { input: JSON.stringify(result), env: { ...process.env, PYTHONPATH: '/usr/lib/python3/dist-packages' } }).toString('utf8');
}

describe('trustline what-if text = az deployment group what-if text', () => {
  it('renders creates, deletes, nested modifies, arrays, no-change and ignore exactly as az does', () => {
    const sample = JSON.parse(readFileSync(join(HERE, 'what-if-sample.json'), 'utf8')) as { properties: { changes: WhatIfResourceChange[] } };
    expect(formatWhatIf(sample.properties.changes)).toBe(azRender(sample));
  });

  it('renders one change and no change exactly as az does', () => {
    const one = { status: 'Succeeded', properties: { changes: [{ resourceId: '/subscriptions/1a2b3c4d-0000-4000-8000-000000000003/resourceGroups/rg/providers/Microsoft.Web/sites/a/config/authsettingsV2', changeType: 'Modify', before: { apiVersion: '2020-12-01' }, delta: [{ path: 'properties.identityProviders.azureActiveDirectory.validation.allowedAudiences', propertyChangeType: 'Array', children: [{ path: '0', propertyChangeType: 'Delete', before: 'api://x' }] }] }] } };
    expect(formatWhatIf(one.properties.changes as WhatIfResourceChange[])).toBe(azRender(one));
    const none = { status: 'Succeeded', properties: { changes: [] } };
    expect(formatWhatIf([])).toBe(azRender(none));
  });
});

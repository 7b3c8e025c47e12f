import { describe, it, expect } from 'vitest';
import { diffProperties, whatIfChanges } from '../../src/runtime/control-plane/what-if.js';
import { formatWhatIf, type WhatIfResourceChange } from '../../src/cli/what-if-format.js';

const ID = '/subscriptions/1a2b3c4d-0000-4000-8000-000000000003/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-001';
const vnet = (prefixes: string[], extra: Record<string, unknown> = {}) => ({
  id: ID,
  type: 'Microsoft.Network/virtualNetworks',
  name: 'vnet-001',
  location: 'eastus',
  apiVersion: '2018-10-01',
  tags: { Owner: 'Team A' },
  properties: { subnets: [], addressSpace: { addressPrefixes: prefixes }, ...extra },
});

describe('what-if payloads and deltas as ARM answers them', () => {
  it('payload keys are sorted at every level (apiVersion, id, location, name, properties.…, tags, type)', () => {
    const [change] = whatIfChanges([vnet(['10.0.0.0/16'])], [], 'Incremental');
    expect(change!.changeType).toBe('Create');
    expect(Object.keys(change!.after!)).toEqual(['apiVersion', 'id', 'location', 'name', 'properties', 'tags', 'type']);
    expect(Object.keys(change!.after!['properties'] as object)).toEqual(['addressSpace', 'subnets']);
  });

  it('a value replaced in an array is Delete + Create at its index; an object element changed in place is Modify', () => {
    expect(diffProperties({ a: ['10.0.0.0/16', 'x'] }, { a: ['10.0.0.0/15', 'x'] })).toEqual([
      { path: 'a', propertyChangeType: 'Array', children: [{ path: '0', propertyChangeType: 'Delete', before: '10.0.0.0/16' }, { path: '0', propertyChangeType: 'Create', after: '10.0.0.0/15' }] },
    ]);
    expect(diffProperties({ s: [{ n: 1, m: 2 }] }, { s: [{ n: 1, m: 3 }] })).toEqual([
      { path: 's', propertyChangeType: 'Array', children: [{ path: '0', propertyChangeType: 'Modify', children: [{ path: 'm', propertyChangeType: 'Modify', before: 2, after: 3 }] }] },
    ]);
    const [change] = whatIfChanges([vnet(['10.0.0.0/15'])], [vnet(['10.0.0.0/16'])], 'Incremental');
    expect(change!.changeType).toBe('Modify');
    const text = formatWhatIf([change as WhatIfResourceChange]);
    expect(text).toContain('  ~ Microsoft.Network/virtualNetworks/vnet-001 [2018-10-01]\n    ~ properties.addressSpace.addressPrefixes: [\n      - 0: "10.0.0.0/16"\n      + 0: "10.0.0.0/15"\n      ]\n');
  });
});

import { createHash } from 'node:crypto';
import type { ResourceRecord } from '../../state/index.js';

/**
 * Twin values derived from a resource id, where Azure mints something the twin cannot know (an address, a GUID, a
 * random host-name part): stable for the same id, so that expansion and deployment are deterministic
 * (docs/differences.md, "Read-only properties of types the twin stores without simulating them").
 */
export const hash = (s: string, n: number) => createHash('sha256').update(s.toLowerCase()).digest('hex').slice(0, n);

/** A stable public address for a resource id, from the range 20.0.0.0/8 the twin uses. */
export const twinPublicIp = (id: string) => {
  const h = createHash('sha256').update(id.toLowerCase()).digest();
  return `20.${h[0]! % 250}.${h[1]! % 250}.${(h[2]! % 250) + 4}`;
};

/** A stable GUID for a resource id and a label (a twin value where Azure mints a GUID). */
export const guidOf = (id: string, label = '') => {
  const h = hash(`${id}|${label}`, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** The last segment of a resource name (`{account}/default/{share}` → `{share}`). */
export const leaf = (name: string) => name.split('/').pop() ?? name;
export const subscriptionOf = (id: string) => id.split('/')[2] ?? '';
export const resourceGroupOf = (id: string) => (/\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '');
/** A resource's region as host names carry it (`West Europe` → `westeurope`). */
export const regionOf = (r: ResourceRecord) => (r.location ?? 'westeurope').toLowerCase().replace(/\s+/g, '');

import type { ResourceRecord } from '../../state/index.js';
import { completeModeDeletions, inApiVersionShape } from '../../arm/index.js';
import { resourceView } from './views.js';

/** ARM's what-if `changeType` (Microsoft.Resources `ChangeType`). */
export type ChangeType = 'Create' | 'Delete' | 'Ignore' | 'NoChange' | 'Modify' | 'Deploy' | 'Unsupported';
/** ARM's `PropertyChangeType`. */
export type PropertyChangeType = 'Create' | 'Delete' | 'Modify' | 'Array' | 'NoEffect';

export interface WhatIfPropertyChange {
  path: string;
  propertyChangeType: PropertyChangeType;
  before?: unknown;
  after?: unknown;
  children?: WhatIfPropertyChange[];
}

export interface WhatIfChange {
  resourceId: string;
  changeType: ChangeType;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  delta?: WhatIfPropertyChange[];
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Object keys in ordinal order at every level, as ARM's what-if answers its payloads (Learn's what-if samples). */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = sortedKeys(v[k]);
  return out;
}

/**
 * The payload what-if shows for a resource: what GET answers (twin-only fields hidden) at `apiVersion` (default: the
 * version it was deployed with) in that version's shape, with that apiVersion, keys sorted. ARM reads the resource a
 * template changes with the template's api-version, so a template of an older version sees its own shape (an APIM policy
 * at 2018-01-01 shows `policyContent`).
 */
export function whatIfPayload(r: ResourceRecord, apiVersion = r.apiVersion): Record<string, unknown> {
  return sortedKeys({ ...(apiVersion !== undefined ? { apiVersion } : {}), ...inApiVersionShape(resourceView(r), r.type, apiVersion) }) as Record<string, unknown>;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return false;
}

const join = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);

/**
 * Property deltas as ARM's what-if reports them: object changes flattened to the dotted path of the
 * changed leaf; arrays as one `Array` change whose children are indexed (`0`, `1`, …): an object element changed
 * in place is `Modify` with its own deltas, any other element changed is `Delete` + `Create` at its index.
 */
export function diffProperties(before: unknown, after: unknown, prefix = ''): WhatIfPropertyChange[] {
  const out: WhatIfPropertyChange[] = [];
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((a, b) => a.localeCompare(b));
    for (const k of keys) {
      const path = join(prefix, k);
      if (!(k in after)) out.push({ path, propertyChangeType: 'Delete', before: before[k] });
      else if (!(k in before)) out.push({ path, propertyChangeType: 'Create', after: after[k] });
      else out.push(...diffProperties(before[k], after[k], path));
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (equal(before, after)) return out;
    const children: WhatIfPropertyChange[] = [];
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) {
      const key = String(i);
      if (i >= after.length) children.push({ path: key, propertyChangeType: 'Delete', before: before[i] });
      else if (i >= before.length) children.push({ path: key, propertyChangeType: 'Create', after: after[i] });
      else if (isObj(before[i]) && isObj(after[i])) {
        const inner = diffProperties(before[i], after[i]);
        if (inner.length) children.push({ path: key, propertyChangeType: 'Modify', children: inner });
      } else if (!equal(before[i], after[i])) {
        // A value replaced in an array is one element removed and one added at that index, as ARM's what-if shows
        // it (Learn's sample: `- 0: "10.0.0.0/16"` then `+ 0: "10.0.0.0/15"`).
        children.push({ path: key, propertyChangeType: 'Delete', before: before[i] }, { path: key, propertyChangeType: 'Create', after: after[i] });
      }
    }
    out.push({ path: prefix, propertyChangeType: 'Array', children });
    return out;
  }
  if (!equal(before, after)) out.push({ path: prefix, propertyChangeType: 'Modify', before, after });
  return out;
}

const IGNORED_TYPES = /^microsoft\.resources\/deployments/i;

/**
 * What a deployment would change: `planned` are the records the deployment writes (evaluated into a scratch
 * store), `current` the resource group's resources now. Complete mode deletes what the template lacks;
 * incremental mode leaves it (`Ignore`).
 */
export function whatIfChanges(planned: ResourceRecord[], current: ResourceRecord[], mode: 'Incremental' | 'Complete'): WhatIfChange[] {
  const now = new Map(current.filter((r) => !IGNORED_TYPES.test(r.type)).map((r) => [r.id.toLowerCase(), r]));
  const seen = new Set<string>();
  const changes: WhatIfChange[] = [];
  for (const p of planned) {
    if (IGNORED_TYPES.test(p.type)) continue;
    const key = p.id.toLowerCase();
    seen.add(key);
    const after = whatIfPayload(p);
    const existing = now.get(key);
    if (!existing) {
      changes.push({ resourceId: p.id, changeType: 'Create', after });
      continue;
    }
    const before = whatIfPayload(existing, p.apiVersion ?? existing.apiVersion);
    const { apiVersion: _a, ...beforeCmp } = before;
    const { apiVersion: _b, ...afterCmp } = after;
    const delta = diffProperties(beforeCmp, afterCmp);
    changes.push(delta.length ? { resourceId: p.id, changeType: 'Modify', before, after, delta } : { resourceId: p.id, changeType: 'NoChange', before, after });
  }
  // Complete mode: what the deployment would delete (ARM's per-type rule, with everything below a deleted resource).
  const deleted = mode === 'Complete' ? new Set(completeModeDeletions([...now.values()], (id) => seen.has(id.toLowerCase()), () => false).map((r) => r.id.toLowerCase())) : new Set<string>();
  for (const [key, r] of now) {
    if (seen.has(key)) continue;
    if (deleted.has(key)) {
      changes.push({ resourceId: r.id, changeType: 'Delete', before: whatIfPayload(r) });
      continue;
    }
    // ARM's what-if reports the resources the resource group lists (top-level ones); a child resource the template
    // leaves out (an APIM service's built-in products and subscriptions, a site's config) is not `Ignore`d.
    if (r.type.split('/').length > 2) continue;
    changes.push({ resourceId: r.id, changeType: 'Ignore', before: whatIfPayload(r) });
  }
  return changes;
}

import type { ResourceRecord } from '../../state/index.js';
import { armHttpError } from './wire.js';

/**
 * `$filter` of `GET …/resources` (Learn, Resources - List): clauses joined by `and`, each `resourceType`, `name`,
 * `location`, `resourceGroup`, `tagName` or `tagValue` `eq '…'` (case-insensitive; a `tagName`/`tagValue` pair is one
 * tag), or `substringof('…', name)`. Anything else is ARM's 400 `InvalidFilterInQueryString` ("Invalid $filter '…'
 * specified in the query string.", as azure-sdk-for-net#18748 shows it): a listing wider than asked is never answered.
 */
export function resourceFilter(filter: string | null): (r: ResourceRecord) => boolean {
  if (filter === null || filter.trim() === '') return () => true;
  const invalid = () => armHttpError(400, 'InvalidFilterInQueryString', `Invalid $filter '${filter}' specified in the query string.`);
  const tests: Array<(r: ResourceRecord) => boolean> = [];
  let tagName: string | undefined;
  let tagValue: string | undefined;
  for (const clause of filter.split(/\s+and\s+/i)) {
    const eq = /^\s*(resourceType|name|location|resourceGroup|tagName|tagValue)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(clause);
    const sub = /^\s*substringof\(\s*'((?:[^']|'')*)'\s*,\s*name\s*\)\s*$/i.exec(clause);
    if (sub) {
      const part = sub[1]!.replace(/''/g, "'").toLowerCase();
      tests.push((r) => r.name.toLowerCase().includes(part));
      continue;
    }
    if (!eq) throw invalid();
    const field = eq[1]!.toLowerCase();
    const value = eq[2]!.replace(/''/g, "'");
    const same = (a: string | undefined) => a !== undefined && a.toLowerCase() === value.toLowerCase();
    if (field === 'resourcetype') tests.push((r) => same(r.type));
    else if (field === 'name') tests.push((r) => same(r.name));
    else if (field === 'location') tests.push((r) => same(r.location));
    else if (field === 'resourcegroup') tests.push((r) => same(/\/resourceGroups\/([^/]+)/i.exec(r.id)?.[1]));
    else if (field === 'tagname') tagName = value;
    else tagValue = value;
  }
  if (tagValue !== undefined && tagName === undefined) throw invalid();
  if (tagName !== undefined) {
    const name = tagName.toLowerCase();
    tests.push((r) => Object.entries(r.tags ?? {}).some(([k, v]) => k.toLowerCase() === name && (tagValue === undefined || v === tagValue)));
  }
  return (r) => tests.every((t) => t(r));
}

/** `$top`: at most N entries (ARM's listings page; the twin answers one page). */
export function topOf(query: URLSearchParams): number | undefined {
  const top = Number.parseInt(query.get('$top') ?? '', 10);
  return Number.isInteger(top) && top >= 0 ? top : undefined;
}

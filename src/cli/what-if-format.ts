/**
 * `az deployment group what-if`'s text rendering of a WhatIfOperationResult (the format azure-cli prints,
 * without colours): notice, legend of the symbols used, changes grouped by scope and sorted by change type,
 * property deltas with aligned paths, and the change counts.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface WhatIfPropertyChange {
  path: string;
  propertyChangeType: string;
  before?: Json;
  after?: Json;
  children?: WhatIfPropertyChange[];
}

export interface WhatIfResourceChange {
  resourceId: string;
  changeType: string;
  before?: Record<string, Json>;
  after?: Record<string, Json>;
  delta?: WhatIfPropertyChange[];
}

const SYMBOL: Record<string, string> = { Create: '+', Delete: '-', Modify: '~', Deploy: '!', NoChange: '=', Ignore: '*', Unsupported: 'x', NoEffect: 'x', Array: '~' };
const WEIGHT: Record<string, number> = { Delete: 0, Create: 1, Deploy: 2, Modify: 3, NoChange: 4, Unsupported: 5, Ignore: 6, NoEffect: 7 };
const PROP_WEIGHT: Record<string, number> = { Delete: 0, Create: 1, Modify: 2, Array: 2, NoEffect: 3 };
/** Python's `str.title()` of the enum values, as the legend prints them. */
const TITLE: Record<string, string> = { Create: 'Create', Delete: 'Delete', Modify: 'Modify', Deploy: 'Deploy', NoChange: 'Nochange', Ignore: 'Ignore', Unsupported: 'Unsupported', NoEffect: 'Noeffect' };

const isArr = (v: unknown): v is Json[] => Array.isArray(v) && v.length > 0;
const isObj = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0;
const isLeaf = (v: unknown) => !isArr(v) && !isObj(v);
const indent = (level: number) => '  '.repeat(level);

class Out {
  text = '';
  add(s: string): this {
    this.text += s;
    return this;
  }
  line(s = ''): this {
    this.text += s + '\n';
    return this;
  }
}

function leaf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `"${v}"`;
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  return String(v);
}

/** `path:` with padding, after an optional head (the change symbol). */
function pathAt(o: Out, path: string, padding: number, level: number, head = ''): void {
  if (!path) return;
  o.add(indent(level) + head + path + ':' + ' '.repeat(Math.max(0, padding)));
}

function maxObjectPath(v: Record<string, Json>): number {
  let max = 0;
  for (const [k, child] of Object.entries(v)) {
    if (isArr(child)) continue;
    max = Math.max(max, isObj(child) ? k.length + 1 + maxObjectPath(child) : k.length);
  }
  return max;
}

function json(o: Out, v: Json | undefined, path = '', maxPath = 0, level = 0): void {
  if (isLeaf(v)) {
    pathAt(o, path, maxPath - path.length + 1, level);
    o.add(leaf(v));
  } else if (isArr(v)) {
    pathAt(o, path, 1, level);
    array(o, v, level);
  } else if (isObj(v)) {
    object(o, v, path, maxPath, level);
  }
}

function array(o: Out, v: Json[], level: number): void {
  o.line('[');
  let lastLeaf = 0;
  v.forEach((c, i) => {
    if (isLeaf(c)) lastLeaf = i;
  });
  const maxPath = String(lastLeaf).length;
  v.forEach((c, i) => {
    if (isObj(c)) {
      pathAt(o, String(i), 0, level + 1);
      object(o, c, '', 0, level + 1);
    } else json(o, c, String(i), maxPath, level + 1);
    o.line();
  });
  o.add(indent(level) + ']');
}

function object(o: Out, v: Record<string, Json>, path: string, maxPath: number, level: number): void {
  const root = !path;
  if (root) {
    o.line().line();
    maxPath = maxObjectPath(v);
    level += 1;
  }
  for (const [k, child] of Object.entries(v)) {
    json(o, child, root ? k : `${path}.${k}`, maxPath, level);
    if (!isObj(child)) o.line();
  }
}

function considered(c: WhatIfPropertyChange): boolean {
  if (c.propertyChangeType === 'Create') return isLeaf(c.after);
  if (c.propertyChangeType === 'Delete' || c.propertyChangeType === 'Modify') return isLeaf(c.before);
  return !c.children?.length;
}

const byWeightThenPath = (a: WhatIfPropertyChange, b: WhatIfPropertyChange) =>
  (PROP_WEIGHT[a.propertyChangeType] ?? 9) - (PROP_WEIGHT[b.propertyChangeType] ?? 9) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function propertyChanges(o: Out, changes: WhatIfPropertyChange[], level: number): void {
  const maxPath = Math.max(0, ...changes.filter(considered).map((c) => c.path.length));
  for (const c of changes) {
    propertyChange(o, c, maxPath, level);
    o.line();
  }
}

function propertyChange(o: Out, c: WhatIfPropertyChange, maxPath: number, level: number): void {
  const t = c.propertyChangeType;
  const value = t === 'Create' || t === 'NoEffect' ? c.after : t === 'Array' ? (c.children as unknown as Json) : c.before;
  if (c.path) {
    let padding = maxPath - c.path.length + 1;
    if (isArr(value)) padding = 1;
    if (isObj(value)) padding = 0;
    if (t === 'Modify' && c.children?.length) padding = 0;
    pathAt(o, c.path, padding, level, `${SYMBOL[t] ?? '?'} `);
  }
  if (t === 'Create' || t === 'NoEffect') json(o, c.after, '', 0, level + 1);
  else if (t === 'Delete') json(o, c.before, '', 0, level + 1);
  else if (t === 'Modify') modify(o, c, level + 1);
  else if (t === 'Array') arrayChange(o, c, level + 1);
}

function modify(o: Out, c: WhatIfPropertyChange, level: number): void {
  if (c.children?.length) {
    o.line().line();
    propertyChanges(o, [...c.children].sort(byWeightThenPath), level);
    return;
  }
  json(o, c.before, '', 0, level);
  if (isObj(c.before)) o.line().add(indent(level));
  else o.add(' ');
  o.add('=>');
  if (!isObj(c.after)) o.add(' ');
  json(o, c.after, '', 0, level);
  if (!isLeaf(c.before) && isLeaf(c.after)) o.line();
}

function arrayChange(o: Out, c: WhatIfPropertyChange, level: number): void {
  if (!c.path) {
    level -= 1;
    o.add(indent(level));
  }
  const children = c.children ?? [];
  if (children.length === 0) {
    o.line('[]');
    return;
  }
  o.line('[');
  propertyChanges(o, [...children].sort((a, b) => Number(a.path) - Number(b.path) || (PROP_WEIGHT[a.propertyChangeType] ?? 9) - (PROP_WEIGHT[b.propertyChangeType] ?? 9)), level);
  o.add(indent(level) + ']');
}

/** `/subscriptions/s/resourceGroups/rg/providers/Ns/t/n` → scope and relative id (`Ns/t/n`). */
function splitId(id: string): { scope: string; relative: string } {
  const at = id.toLowerCase().indexOf('/providers/');
  if (at < 0) return { scope: id, relative: '' };
  return { scope: id.slice(0, at), relative: id.slice(at + '/providers/'.length) };
}

export function formatWhatIf(changes: WhatIfResourceChange[]): string {
  const o = new Out();
  o.line('Note: The result may contain false positive predictions (noise).\nYou can help us improve the accuracy of the result by opening an issue here: https://aka.ms/WhatIfIssues');
  o.line();
  if (changes.length) {
    const used = new Set<string>();
    const collect = (list: WhatIfPropertyChange[] | undefined) => {
      for (const p of list ?? []) {
        used.add(p.propertyChangeType === 'Array' ? 'Modify' : p.propertyChangeType);
        collect(p.children);
      }
    };
    for (const c of changes) {
      used.add(c.changeType);
      collect(c.delta);
    }
    const types = [...used].sort((a, b) => (WEIGHT[a] ?? 9) - (WEIGHT[b] ?? 9));
    o.line(`Resource and property changes are indicated with ${types.length === 1 ? 'this symbol:' : 'these symbols:'}`);
    for (const t of types) o.line(`${indent(1)}${SYMBOL[t] ?? '?'} ${TITLE[t] ?? t}`);
    const scopes = new Map<string, WhatIfResourceChange[]>();
    for (const c of changes) {
      const key = splitId(c.resourceId).scope.toUpperCase();
      scopes.set(key, [...(scopes.get(key) ?? []), c]);
    }
    o.line();
    o.line(`The deployment will update the following ${scopes.size === 1 ? 'scope:' : 'scopes'}`);
    for (const key of [...scopes.keys()].sort()) {
      const inScope = scopes.get(key)!;
      o.line().line(`Scope: ${splitId(inScope[0]!.resourceId).scope}`);
      const sorted = [...inScope].sort((a, b) => (WEIGHT[a.changeType] ?? 9) - (WEIGHT[b.changeType] ?? 9) || (splitId(a.resourceId).relative < splitId(b.resourceId).relative ? -1 : 1));
      sorted.forEach((c, i) => resourceChange(o, c, i === sorted.length - 1));
    }
  }
  o.line().add('Resource changes: ');
  if (!changes.length) return o.add('no change.').text;
  const counts = new Map<string, number>();
  for (const c of [...changes].sort((a, b) => (WEIGHT[a.changeType] ?? 9) - (WEIGHT[b.changeType] ?? 9))) counts.set(c.changeType, (counts.get(c.changeType) ?? 0) + 1);
  const label: Record<string, string> = { Create: 'to create', Delete: 'to delete', Deploy: 'to deploy', Modify: 'to modify', Ignore: 'to ignore', NoChange: 'no change', Unsupported: 'unsupported' };
  return o.add([...counts].map(([t, n]) => `${n} ${label[t] ?? t}`).join(', ') + '.').text;
}

function resourceChange(o: Out, c: WhatIfResourceChange, last: boolean): void {
  const apiVersion = (c.before?.['apiVersion'] ?? c.after?.['apiVersion']) as string | undefined;
  o.line();
  o.add(`${indent(1)}${SYMBOL[c.changeType] ?? '?'} ${splitId(c.resourceId).relative}${apiVersion ? ` [${apiVersion}]` : ''}`);
  if (c.changeType === 'Create' && c.after) json(o, c.after as Json, '', 0, 2);
  else if (c.changeType === 'Delete' && c.before) json(o, c.before as Json, '', 0, 2);
  else if (c.delta?.length) {
    o.line();
    propertyChanges(o, [...c.delta].sort(byWeightThenPath), 2);
  } else if (last) o.line();
}

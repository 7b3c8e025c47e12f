import type { SourceLocation } from '../../core/index.js';
import { armError, atLine } from '../errors.js';
import { findKey, isObject } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { childPath } from '../template/jsonc.js';
import { providerFor } from '../providers/registry.js';
import type { ResourceProvider } from '../providers/types.js';
import type { CopyFrame } from './copy.js';
import { checkCount } from './evaluator.js';
import type { ValueEvaluator } from './evaluator.js';
import type { DeploymentScope } from './types.js';

/** One expanded resource instance (after copy, before its body is evaluated). */
export interface PlannedResource {
  index: number;
  jsonPath: string;
  location: SourceLocation;
  raw: JsonObject;
  type: string;
  name: string;
  id: string;
  condition: boolean;
  frames: CopyFrame[];
  copyName?: string;
  parent?: PlannedResource;
  dependsOn: Array<{ value: string; path: string }>;
  provider: ResourceProvider | undefined;
}

const get = (o: JsonObject, k: string): unknown => {
  const key = findKey(o, k);
  return key === undefined ? undefined : o[key];
};

/** `Microsoft.Web/sites`, `Contoso.Widgets/things/parts`: a namespace with a dot, then type segments. */
const WELL_FORMED_TYPE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+(\/[A-Za-z][A-Za-z0-9_-]*)+$/;

export function resourceIdFor(scope: DeploymentScope, type: string, name: string): string {
  const [ns, ...types] = type.split('/');
  const names = name.split('/');
  return `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/providers/${ns}` + types.map((t, i) => `/${t}/${names[i]}`).join('');
}

interface PlanOptions {
  scope: DeploymentScope;
  loose: boolean;
  /** Refuse types without a provider instead of storing them as given. */
  strict?: boolean;
  warn(message: string): void;
}

/** Expand `resources` (array form): nested children, copy loops, conditions, names, types, ids, dependsOn strings. */
export function planResources(ev: ValueEvaluator, resources: unknown, options: PlanOptions): PlannedResource[] {
  const out: PlannedResource[] = [];
  if (!Array.isArray(resources)) {
    const loc = ev.locate('resources');
    throw armError(
      'ERR_ARM_TEMPLATE_UNSUPPORTED',
      `The template 'resources' property${atLine(loc)} must be an array; symbolic-name resources (languageVersion 2.0) are not supported by the twin yet.`,
      loc,
    );
  }
  const visit = (raw: unknown, path: string, parent: PlannedResource | undefined, frames: CopyFrame[]) => {
    const loc = ev.locate(path);
    if (!isObject(raw)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: a resource must be an object.`, loc);
    const copy = get(raw, 'copy');
    if (copy !== undefined) {
      if (parent) throw armError('ERR_ARM_COPY_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: copy is not supported on nested child resources; move the resource to the top level.`, loc);
      const ctx = ev.context({ frames });
      const copyPath = childPath(path, findKey(raw, 'copy')!);
      if (!isObject(copy)) throw armError('ERR_ARM_COPY_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: 'copy' must be an object.`, loc);
      const name = ev.evaluate(get(copy, 'name'), childPath(copyPath, 'name'), ctx, `resource copy at '${path}'`);
      const count = checkCount(ev.evaluate(get(copy, 'count'), childPath(copyPath, 'count'), ctx, `resource copy at '${path}'`), ev.locate(childPath(copyPath, 'count')), `resource copy at '${path}'`);
      if (typeof name !== 'string' || name === '') throw armError('ERR_ARM_COPY_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: the copy loop needs a name.`, loc);
      for (let i = 0; i < count; i++) instance(raw, path, parent, [...frames, { name, index: i, kind: 'resource' }], name);
      return;
    }
    instance(raw, path, parent, frames, undefined);
  };

  const instance = (raw: JsonObject, path: string, parent: PlannedResource | undefined, frames: CopyFrame[], copyName: string | undefined) => {
    const loc = ev.locate(path);
    const ctx = ev.context({ frames });
    const typeKey = findKey(raw, 'type');
    const nameKey = findKey(raw, 'name');
    if (!typeKey || !nameKey) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: 'type' and 'name' are required.`, loc);
    const shortType = ev.evaluate(raw[typeKey], childPath(path, typeKey), ctx, `resource at '${path}'`);
    const shortName = ev.evaluate(raw[nameKey], childPath(path, nameKey), ctx, `resource at '${path}'`);
    if (typeof shortType !== 'string' || typeof shortName !== 'string') {
      throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: 'type' and 'name' must be strings.`, loc);
    }
    const typeSegments = shortType.split('/').length;
    const nameSegments = shortName.split('/').length;
    const ok = parent ? typeSegments === nameSegments : typeSegments === nameSegments + 1;
    if (!ok || shortName.split('/').some((s) => s === '')) {
      throw armError(
        'ERR_ARM_RESOURCE_SEGMENTS',
        `Deployment template validation failed: 'The template resource '${shortName}' for type '${shortType}'${atLine(loc)} has incorrect segment lengths. A nested resource type must have identical number of segments as its resource name. A root resource type must have segment length one greater than its resource name. Please see https://aka.ms/arm-template/#resources for usage details.'.`,
        { ...loc, jsonPath: childPath(path, typeKey) },
        { type: shortType, name: shortName },
      );
    }
    const type = parent ? `${parent.type}/${shortType}` : shortType;
    const name = parent ? `${parent.name}/${shortName}` : shortName;
    const condKey = findKey(raw, 'condition');
    let condition = true;
    if (condKey !== undefined) {
      const c = ev.evaluate(raw[condKey], childPath(path, condKey), ctx, `resource '${name}'`);
      if (typeof c !== 'boolean') throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource '${name}'${atLine(loc)} is not valid: the condition must evaluate to a boolean.`, loc);
      condition = c;
    }
    const depKey = findKey(raw, 'dependsOn');
    const dependsOn: Array<{ value: string; path: string }> = [];
    if (depKey !== undefined) {
      const deps = raw[depKey];
      if (!Array.isArray(deps)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource '${name}'${atLine(loc)} is not valid: 'dependsOn' must be an array.`, loc);
      deps.forEach((d, i) => {
        const p = childPath(childPath(path, depKey), i);
        const v = ev.evaluate(d, p, ctx, `resource '${name}'`);
        if (typeof v !== 'string') throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource '${name}'${atLine(ev.locate(p))} is not valid: dependsOn entries must be strings.`, ev.locate(p));
        dependsOn.push({ value: v, path: p });
      });
    }
    const provider = providerFor(type);
    if (!provider) {
      // Every well-formed `Namespace/type` ARM accepts is stored as given ("stored, not simulated"); --strict refuses it.
      if (!WELL_FORMED_TYPE.test(type)) {
        throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource '${name}'${atLine(loc)} is not valid: '${type}' is not a resource type ('Namespace/type[/childType…]').`, { ...loc, jsonPath: childPath(path, typeKey) }, { type });
      }
      if (options.strict) {
        const message = `The resource type '${type}' of the template resource '${name}'${atLine(loc)} is not simulated by the twin; strict mode refuses types it would only store. Simulated types are listed in docs/errors/arm.md.`;
        throw armError('ERR_ARM_RESOURCE_TYPE_UNSUPPORTED', message, { ...loc, jsonPath: childPath(path, typeKey) }, { type });
      }
    }
    const planned: PlannedResource = {
      index: out.length,
      jsonPath: path,
      location: loc,
      raw,
      type,
      name,
      id: resourceIdFor(options.scope, type, name),
      condition,
      frames,
      dependsOn,
      provider,
      ...(copyName ? { copyName } : {}),
      ...(parent ? { parent } : {}),
    };
    out.push(planned);
    const childrenKey = findKey(raw, 'resources');
    const children = childrenKey === undefined ? undefined : raw[childrenKey];
    if (Array.isArray(children)) children.forEach((c, i) => visit(c, childPath(childPath(path, childrenKey!), i), planned, frames));
  };

  resources.forEach((r, i) => visit(r, childPath('resources', i), undefined, []));
  const seen = new Map<string, PlannedResource>();
  for (const r of out) {
    if (!r.condition) continue;
    const key = r.id.toLowerCase();
    if (seen.has(key)) {
      throw armError('ERR_ARM_RESOURCE_DUPLICATE', `The resource '${r.id}'${atLine(r.location)} is defined multiple times in a template. Please see https://aka.ms/arm-template/#resources for usage details.`, r.location);
    }
    seen.set(key, r);
  }
  return out;
}

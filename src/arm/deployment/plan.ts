import type { SourceLocation } from '../../core/index.js';
import { armError, atLine } from '../errors.js';
import { findKey, isObject } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { childPath } from '../template/jsonc.js';
import { providerFor } from '../providers/registry.js';
import { GRAPH_TYPES, GRAPH_UNIQUE_NAME_TYPES } from '../providers/graph.js';
import { getPath } from '../providers/common.js';
import type { ResourceProvider } from '../providers/types.js';
import type { CopyFrame } from './copy.js';
import { checkCount } from './evaluator.js';
import type { ValueEvaluator } from './evaluator.js';
import { canonicalId, providerSuffix, resolveScopeId, resourceIdAt, scopeId, targetOfScopeId } from './scope.js';
import type { DeploymentTarget } from './scope.js';

export const DEPLOYMENTS_TYPE = 'Microsoft.Resources/deployments';
/** Types the engine itself handles (no provider needed). */
const ENGINE_TYPES = new Set(['microsoft.resources/deployments', 'microsoft.resources/resourcegroups']);
/** Azure: at most 800 resources in a template, copies included (template limits). */
export const MAX_RESOURCES = 800;

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
  /** languageVersion 2.0: the symbolic name, and `sym[i]` for a copy instance. */
  symbolicName?: string;
  instanceName?: string;
  /** `existing: true`: read, never written. */
  existing: boolean;
  /** A Bicep extension resource: its extension's evaluated `config` (`extension microsoftGraphV1 with {…}`), for its provider. */
  extensionConfig?: Record<string, unknown>;
  /** The scope the resource lives at (for a nested deployment: where its deployment resource lives). */
  target: DeploymentTarget;
  /** For `Microsoft.Resources/deployments`: where the nested template deploys. */
  nestedTarget?: DeploymentTarget;
}

const get = (o: JsonObject, k: string): unknown => {
  const key = findKey(o, k);
  return key === undefined ? undefined : o[key];
};

interface PlanOptions {
  target: DeploymentTarget;
  loose: boolean;
  /** Refuse types without a provider instead of storing them as given (`--strict`). */
  strict?: boolean;
  /** Every well-formed type is planned (expand); otherwise an unknown type is an error unless loose. */
  acceptAllTypes?: boolean;
  /** The template's `extensions` (older Bicep: `imports`): each alias's `config`, for the resources of that extension. */
  extensions?: unknown;
  warn(message: string): void;
}

/** `Microsoft.Web/sites`, `Contoso.Widgets/things/parts`: a namespace with a dot, then type segments. */
const WELL_FORMED_TYPE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+(\/[A-Za-z][A-Za-z0-9_-]*)+$/;

/**
 * A resource of a Bicep extension (`"extension": "<alias>"`, `"import"` in older Bicep; the type carries its version,
 * `Microsoft.Graph/applications@v1.0`, and there is no `name`). The twin deploys the Microsoft Graph extension's v1.0
 * types into its directory (providers/graph.ts): their type without the version, and a key for the twin's record id
 * (an application's or group's constant `uniqueName`, else the symbolic name, `name-i` for copy `i`). Any other
 * extension resource is refused by name.
 */
function graphResource(ev: ValueEvaluator, raw: JsonObject, path: string, symbol: string | undefined, instanceName: string | undefined, extensions: unknown): { type: string; name: string; extensionConfig?: Record<string, unknown> } | undefined {
  const alias = get(raw, 'extension') ?? get(raw, 'import');
  const rawType = get(raw, 'type');
  if (alias === undefined || (typeof rawType === 'string' && !rawType.includes('@') && findKey(raw, 'name') !== undefined)) return undefined;
  const loc = ev.locate(path);
  const type = typeof rawType === 'string' ? rawType.replace(/@[^@/]*$/, '') : '';
  if (!GRAPH_TYPES.has(type.toLowerCase())) {
    throw armError(
      'ERR_ARM_TEMPLATE_UNSUPPORTED',
      `The template resource at '${path}'${atLine(loc)} cannot run: it is a resource of the Bicep extension '${String(alias)}' (type '${String(rawType)}'); the twin deploys Azure resources and the Microsoft Graph types applications, applications/federatedIdentityCredentials, appRoleAssignedTo, groups, oauth2PermissionGrants, servicePrincipals and users (existing) only.`,
      loc,
      { extension: String(alias), type: String(rawType) },
    );
  }
  let key: unknown;
  try {
    key = ev.evaluate(get(raw, 'properties') !== undefined ? getPath(get(raw, 'properties'), 'uniqueName') : undefined, path, ev.context({}), `resource at '${path}'`);
  } catch {
    key = undefined;
  }
  const byInstance = (instanceName ?? symbol)?.replace(/\[(\d+)\]$/, '-$1');
  const name = typeof key === 'string' && /^[^/]+$/.test(key) && GRAPH_UNIQUE_NAME_TYPES.has(type.toLowerCase()) ? key : (byInstance ?? path.replace(/[^A-Za-z0-9_.-]+/g, '_'));
  const extensionConfig = configOf(ev, extensions, String(alias));
  return { type: `Microsoft.Graph/${type.split('/').slice(1).join('/')}`, name, ...(extensionConfig ? { extensionConfig } : {}) };
}

/**
 * An extension's config as Bicep compiles `extension x with { key: value }`: `extensions.{alias}.config.{key}` is
 * `{defaultValue: <value or expression>}` (Azure/bicep baselines, Extensions); `{value}` and a bare value are read too.
 */
function configOf(ev: ValueEvaluator, extensions: unknown, alias: string): Record<string, unknown> | undefined {
  const config = isObject(extensions) ? getPath(get(extensions, alias), 'config') : undefined;
  if (!isObject(config)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    const raw = isObject(v) ? (get(v, 'defaultValue') ?? get(v, 'value')) : v;
    out[k] = ev.evaluate(raw, `extensions.${alias}.config.${k}`, ev.context({}), `extension '${alias}' config`);
  }
  return out;
}

/** Copy loops of a plan that have no instance (a dependsOn on them waits for nothing). */
const EMPTY_LOOPS = new WeakMap<PlannedResource[], Set<string>>();

export function isEmptyLoop(plan: PlannedResource[], name: string): boolean {
  return EMPTY_LOOPS.get(plan)?.has(name.toLowerCase()) ?? false;
}

/** Expand `resources` (array form, or the symbolic-name object of languageVersion 2.0): children, copy, conditions, names, types, ids. */
export function planResources(ev: ValueEvaluator, resources: unknown, options: PlanOptions): PlannedResource[] {
  const out: PlannedResource[] = [];
  const emptyLoops = new Set<string>();
  EMPTY_LOOPS.set(out, emptyLoops);
  const entries: Array<{ raw: unknown; path: string; symbol?: string }> = [];
  if (Array.isArray(resources)) resources.forEach((r, i) => entries.push({ raw: r, path: childPath('resources', i) }));
  else if (isObject(resources)) for (const [symbol, r] of Object.entries(resources)) entries.push({ raw: r, path: childPath('resources', symbol), symbol });
  else {
    const loc = ev.locate('resources');
    throw armError('ERR_ARM_TEMPLATE_INVALID', `The template 'resources' property${atLine(loc)} must be an array, or an object of symbolic names (languageVersion 2.0).`, loc);
  }

  const visit = (raw: unknown, path: string, parent: PlannedResource | undefined, frames: CopyFrame[], symbol: string | undefined) => {
    const loc = ev.locate(path);
    if (!isObject(raw)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: a resource must be an object.`, loc);
    const copy = get(raw, 'copy');
    if (copy !== undefined) {
      if (parent) throw armError('ERR_ARM_COPY_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: copy is not supported on nested child resources; move the resource to the top level.`, loc);
      const ctx = ev.context({ frames });
      const copyPath = childPath(path, findKey(raw, 'copy')!);
      if (!isObject(copy)) throw armError('ERR_ARM_COPY_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: 'copy' must be an object.`, loc);
      const name = get(copy, 'name') === undefined && symbol ? symbol : ev.evaluate(get(copy, 'name'), childPath(copyPath, 'name'), ctx, `resource copy at '${path}'`);
      const count = checkCount(ev.evaluate(get(copy, 'count'), childPath(copyPath, 'count'), ctx, `resource copy at '${path}'`), ev.locate(childPath(copyPath, 'count')), `resource copy at '${path}'`);
      if (typeof name !== 'string' || name === '') throw armError('ERR_ARM_COPY_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: the copy loop needs a name.`, loc);
      if (count === 0) emptyLoops.add(name.toLowerCase());
      if (count === 0 && symbol) emptyLoops.add(symbol.toLowerCase());
      for (let i = 0; i < count; i++) instance(raw, path, parent, [...frames, { name, index: i, kind: 'resource' }], name, symbol, symbol ? `${symbol}[${i}]` : undefined);
      return;
    }
    instance(raw, path, parent, frames, undefined, symbol, symbol);
  };

  const instance = (raw: JsonObject, path: string, parent: PlannedResource | undefined, frames: CopyFrame[], copyName: string | undefined, symbol: string | undefined, instanceName: string | undefined) => {
    const loc = ev.locate(path);
    const ctx = ev.context({ frames });
    const condKey = findKey(raw, 'condition');
    const condValue = condKey === undefined ? undefined : ev.evaluate(raw[condKey], childPath(path, condKey), ctx, `resource at '${path}'`);
    if (condValue !== undefined && typeof condValue !== 'boolean') {
      throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: the condition must evaluate to a boolean.`, loc);
    }
    // A parent's condition is not cascaded to its children (conditional-resource-deployment).
    const condition = condValue !== false;
    // An existing resource is only read when something references it (languageVersion 2.0 emits them
    // with names computed from optional parameters).
    const existingKey = findKey(raw, 'existing');
    const lazy = !condition || (existingKey !== undefined && raw[existingKey] === true);
    if (!lazy) {
      build(raw, path, parent, frames, copyName, symbol, instanceName, true);
      return;
    }
    // A resource that is not deployed: its name and type may use values that only exist when it is
    // (optional parameters); when they cannot be evaluated it stays in the plan by its symbolic name only.
    try {
      build(raw, path, parent, frames, copyName, symbol, instanceName, condition);
    } catch {
      out.push({
        index: out.length,
        jsonPath: path,
        location: loc,
        raw,
        type: '',
        name: '',
        id: `#not-deployed:${path}`,
        condition,
        frames,
        dependsOn: [],
        provider: undefined,
        existing: !condition ? false : true,
        target: parent?.target ?? options.target,
        ...(copyName ? { copyName } : {}),
        ...(parent ? { parent } : {}),
        ...(symbol ? { symbolicName: symbol } : {}),
        ...(instanceName ? { instanceName } : {}),
      });
    }
  };

  const dependsOnOf = (raw: JsonObject, path: string, ctx: ReturnType<ValueEvaluator['context']>, name: string): Array<{ value: string; path: string }> => {
    const loc = ev.locate(path);
    const depKey = findKey(raw, 'dependsOn');
    const dependsOn: Array<{ value: string; path: string }> = [];
    if (depKey === undefined) return dependsOn;
    const deps = raw[depKey];
    if (!Array.isArray(deps)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource '${name}'${atLine(loc)} is not valid: 'dependsOn' must be an array.`, loc);
    deps.forEach((d, i) => {
      const p = childPath(childPath(path, depKey), i);
      const v = ev.evaluate(d, p, ctx, `resource '${name}'`);
      if (typeof v !== 'string') throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource '${name}'${atLine(ev.locate(p))} is not valid: dependsOn entries must be strings.`, ev.locate(p));
      dependsOn.push({ value: v, path: p });
    });
    return dependsOn;
  };

  const build = (raw: JsonObject, path: string, parent: PlannedResource | undefined, frames: CopyFrame[], copyName: string | undefined, symbol: string | undefined, instanceName: string | undefined, condition: boolean) => {
    const loc = ev.locate(path);
    const ctx = ev.context({ frames });
    const typeKey = findKey(raw, 'type');
    const graph = graphResource(ev, raw, path, symbol, instanceName, options.extensions);
    if (graph) {
      out.push({ index: out.length, jsonPath: path, location: loc, raw, ...graph, id: `/providers/${graph.type}/${graph.name}`, condition, frames, dependsOn: dependsOnOf(raw, path, ctx, graph.name), provider: providerFor(graph.type), existing: get(raw, 'existing') === true, target: options.target, ...(symbol ? { symbolicName: symbol } : {}), ...(instanceName ? { instanceName } : {}), ...(copyName ? { copyName } : {}) });
      return;
    }
    const nameKey = findKey(raw, 'name');
    if (!typeKey || !nameKey) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: 'type' and 'name' are required.`, loc);
    const shortType = ev.evaluate(raw[typeKey], childPath(path, typeKey), ctx, `resource at '${path}'`);
    const shortName = ev.evaluate(raw[nameKey], childPath(path, nameKey), ctx, `resource at '${path}'`);
    if (typeof shortType !== 'string' || typeof shortName !== 'string') {
      throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource at '${path}'${atLine(loc)} is not valid: 'type' and 'name' must be strings.`, loc);
    }
    // An inline child may name its full type (`Microsoft.Relay/namespaces/authorizationRules`) and full name.
    const qualified = parent !== undefined && /^[^/]+\.[^/]+\//.test(shortType);
    const childForm = parent !== undefined && !qualified;
    const typeSegments = shortType.split('/').length;
    let nameSegments = shortName.split('/').length;
    // …with a full name, or with its own name only (the parent's name is then put in front).
    let qualifiedName = shortName;
    if (qualified && nameSegments < typeSegments - 1 && nameSegments + parent!.name.split('/').length === typeSegments - 1) {
      qualifiedName = `${parent!.name}/${shortName}`;
      nameSegments = qualifiedName.split('/').length;
    }
    const ok = childForm ? typeSegments === nameSegments : typeSegments === nameSegments + 1;
    if (!ok || shortName.split('/').some((s) => s === '') || shortType.split('/').some((s) => s === '')) {
      throw armError(
        'ERR_ARM_RESOURCE_SEGMENTS',
        `Deployment template validation failed: 'The template resource '${shortName}' for type '${shortType}'${atLine(loc)} has incorrect segment lengths. A nested resource type must have identical number of segments as its resource name. A root resource type must have segment length one greater than its resource name. Please see https://aka.ms/arm-template/#resources for usage details.'.`,
        { ...loc, jsonPath: childPath(path, typeKey) },
        { type: shortType, name: shortName },
      );
    }
    const type = childForm ? `${parent!.type}/${shortType}` : shortType;
    const name = childForm ? `${parent!.name}/${shortName}` : qualifiedName;
    const what = `resource '${name}'`;
    const evalField = (k: string): unknown => {
      const key = findKey(raw, k);
      return key === undefined ? undefined : ev.evaluate(raw[key], childPath(path, key), ctx, what);
    };
    const existingValue = evalField('existing');
    const existing = existingValue === true;
    const dependsOn = dependsOnOf(raw, path, ctx, name);
    // Where the resource lives: the deployment's scope, another resource group or subscription
    // (languageVersion 2.0 `resourceGroup`/`subscriptionId`), or under a `scope` (extension resources).
    let target = parent?.target ?? options.target;
    const sub = evalField('subscriptionId');
    const rg = evalField('resourceGroup');
    const isDeployment = type.toLowerCase() === DEPLOYMENTS_TYPE.toLowerCase();
    if (typeof sub === 'string' || typeof rg === 'string') {
      target = {
        ...target,
        kind: typeof rg === 'string' ? 'resourceGroup' : 'subscription',
        subscriptionId: typeof sub === 'string' ? sub : target.subscriptionId,
        resourceGroup: typeof rg === 'string' ? rg : target.resourceGroup,
      };
    }
    const scope = evalField('scope');
    let id: string;
    let nestedTarget: DeploymentTarget | undefined;
    if (isDeployment) {
      nestedTarget = target;
      if (typeof scope === 'string') {
        const t = targetOfScopeId(target, resolveScopeId(target, scope));
        if (!t) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource '${name}'${atLine(loc)} is not valid: the deployment scope '${scope}' is not a tenant, management group, subscription or resource group.`, loc);
        nestedTarget = t;
      }
      const location = evalField('location');
      if (typeof location === 'string') nestedTarget = { ...nestedTarget, location };
      id = resourceIdAt(nestedTarget, DEPLOYMENTS_TYPE, name);
    } else if (typeof scope === 'string' && !parent) {
      id = resolveScopeId(target, scope) + providerSuffix(type, name);
    } else if (childForm) {
      id = parent!.id + shortType.split('/').map((t, i) => `/${t}/${shortName.split('/')[i]}`).join('');
    } else id = resourceIdAt(target, type, name);
    const provider = providerFor(type);
    if (!provider && !existing && !ENGINE_TYPES.has(type.toLowerCase())) {
      // Every well-formed `Namespace/type` ARM accepts is stored as given ("stored, not simulated"); --strict refuses it.
      if (!WELL_FORMED_TYPE.test(type)) {
        throw armError('ERR_ARM_TEMPLATE_INVALID', `The template resource '${name}'${atLine(loc)} is not valid: '${type}' is not a resource type ('Namespace/type[/childType…]').`, { ...loc, jsonPath: childPath(path, typeKey) }, { type });
      }
      if (options.strict && !options.acceptAllTypes) {
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
      id,
      condition,
      frames,
      dependsOn,
      provider,
      existing,
      target,
      ...(nestedTarget ? { nestedTarget } : {}),
      ...(copyName ? { copyName } : {}),
      ...(parent ? { parent } : {}),
      ...(symbol ? { symbolicName: symbol } : {}),
      ...(instanceName ? { instanceName } : {}),
    };
    out.push(planned);
    if (out.length > MAX_RESOURCES) {
      throw armError('ERR_ARM_LIMIT_EXCEEDED', `The template has more than ${MAX_RESOURCES} resources (copies included); Azure's limit is ${MAX_RESOURCES}.`, loc, { limit: 'maxResources', max: MAX_RESOURCES });
    }
    const childrenKey = findKey(raw, 'resources');
    const children = childrenKey === undefined ? undefined : raw[childrenKey];
    if (Array.isArray(children)) children.forEach((c, i) => visit(c, childPath(childPath(path, childrenKey!), i), planned, frames, undefined));
  };

  for (const e of entries) visit(e.raw, e.path, undefined, [], e.symbol);
  const seen = new Map<string, PlannedResource>();
  for (const r of out) {
    if (!r.condition || r.existing) continue;
    const key = canonicalId(r.id);
    if (seen.has(key)) {
      throw armError('ERR_ARM_RESOURCE_DUPLICATE', `The resource '${r.id}'${atLine(r.location)} is defined multiple times in a template. Please see https://aka.ms/arm-template/#resources for usage details.`, r.location);
    }
    seen.set(key, r);
  }
  return out;
}

export { scopeId };

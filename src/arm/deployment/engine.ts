import type { SourceLocation } from '../../core/index.js';
import type { ManagedServiceIdentity, ResourceRecord } from '../../state/index.js';
import { armError, atLine } from '../errors.js';
import { findKey, isObject } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { genericProvider } from '../providers/generic.js';
import { providerFor } from '../providers/registry.js';
import type { ProviderContext, ResourceInput } from '../providers/types.js';
import { checkDocumentSize, childPath, objectDocument, parseJsonDocument } from '../template/jsonc.js';
import { codedError } from '../expressions/evaluate.js';
import { ARM_LIMITS, depthUpTo, jsonSizeUpTo } from '../expressions/limits.js';
import type { ParsedDocument } from '../template/jsonc.js';
import { dropNulls, ValueEvaluator } from './evaluator.js';
import { buildDependencies, resolveTarget, topologicalOrder } from './graph.js';
import { evaluateOutputs } from './outputs.js';
import { isSecureType, parameterValues, resolveParameters } from './parameters.js';
import { planResources } from './plan.js';
import type { PlannedResource } from './plan.js';
import { applyChanges, Overlay } from './overlay.js';
import type { ChangeSet } from './overlay.js';
import type { DeployInput, DeployOptions, DeployResult } from './types.js';
import { createVariables } from './variables.js';

const DEPLOYMENTS_TYPE = 'Microsoft.Resources/deployments';

function templateDocument(template: unknown): ParsedDocument {
  if (isObject(template) && typeof template['text'] === 'string' && !('resources' in template)) {
    return parseJsonDocument(template['text'], typeof template['file'] === 'string' ? template['file'] : undefined);
  }
  checkDocumentSize(jsonSizeUpTo(template, ARM_LIMITS.maxTemplateBytes), ARM_LIMITS.maxTemplateBytes, 'template');
  if (depthUpTo(template, ARM_LIMITS.maxJsonDepth) > ARM_LIMITS.maxJsonDepth) {
    throw armError('ERR_ARM_LIMIT_EXCEEDED', `The template nests objects and arrays more than ${ARM_LIMITS.maxJsonDepth} levels deep (docs/limits.md).`, undefined, {
      limit: 'maxJsonDepth',
      max: ARM_LIMITS.maxJsonDepth,
    });
  }
  return objectDocument(template);
}

function field(o: JsonObject, k: string): unknown {
  const key = findKey(o, k);
  return key === undefined ? undefined : o[key];
}

/**
 * Deploy a template to the resource group of `options.scope`. Everything is evaluated into an overlay
 * and committed in one store transaction at the end: on error (thrown TwinError) the store is unchanged.
 */
export function deploy(input: DeployInput, options: DeployOptions): DeployResult {
  const { result, changes } = evaluateDeployment(input, options);
  applyChanges(options.store, changes);
  options.logger.info('deployment succeeded', { deployment: input.deploymentName, resources: result.resources.length, mode: input.mode ?? 'Incremental' });
  return result;
}

/**
 * Evaluate and apply a deployment against `options.store` without writing to it: the result and the
 * change set that `applyChanges` writes in one transaction (used directly by the worker thread).
 * Every error that leaves is a TwinError.
 */
export function evaluateDeployment(input: DeployInput, options: DeployOptions): { result: DeployResult; changes: ChangeSet } {
  try {
    return deployTemplate(input, options);
  } catch (e) {
    throw codedError(e);
  }
}

function deployTemplate(input: DeployInput, options: DeployOptions): { result: DeployResult; changes: ChangeSet } {
  const { scope, logger } = options;
  const loose = options.loose ?? false;
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    logger.warn(m);
  };
  const doc = templateDocument(input.template);
  const template = doc.value;
  if (!isObject(template)) throw armError('ERR_ARM_TEMPLATE_INVALID', 'The template must be a JSON object.', doc.locate(''));
  const schema = field(template, '$schema');
  if (typeof schema === 'string' && /(subscription|managementGroup|tenant)DeploymentTemplate/i.test(schema)) {
    throw armError('ERR_ARM_TEMPLATE_UNSUPPORTED', `The template schema '${schema}' targets a scope other than a resource group; only resource group deployments are supported.`, doc.locate('$schema'));
  }
  const mode = input.mode ?? 'Incremental';
  if (mode !== 'Incremental' && mode !== 'Complete') throw armError('ERR_ARM_TEMPLATE_INVALID', `The deployment mode '${String(mode)}' is not valid; expected 'Incremental' or 'Complete'.`);

  const ev = new ValueEvaluator(doc, scope, loose, warn);
  const declaredParams = field(template, 'parameters') ?? {};
  const declaredVars = field(template, 'variables') ?? {};
  if (!isObject(declaredParams) || !isObject(declaredVars)) throw armError('ERR_ARM_TEMPLATE_INVALID', "The template 'parameters' and 'variables' must be objects.", doc.locate(''));
  const params = resolveParameters(ev, declaredParams, parameterValues(input.parameters), options);
  ev.parameter = (n) => params.get(n);
  ev.variable = createVariables(ev, declaredVars);
  const paramList = params.all(); // validates every parameter, in declaration order
  const rgId = `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}`;
  const deploymentId = `${rgId}/providers/${DEPLOYMENTS_TYPE}/${input.deploymentName}`;
  const publicParams: JsonObject = {};
  for (const p of paramList) if (!isSecureType(p.type)) publicParams[p.name] = { type: p.type, value: p.value };
  ev.deployment = () => ({
    name: input.deploymentName,
    properties: { template: structuredClone(template), parameters: structuredClone(publicParams), mode, provisioningState: 'Accepted' },
  });

  const plan = planResources(ev, field(template, 'resources') ?? [], { scope, loose, strict: options.strict ?? false, warn });
  const order = topologicalOrder(plan, buildDependencies(ev, plan));
  const overlay = new Overlay(options.store);
  ev.reference = (target, _apiVersion, full) => readReference(overlay, plan, target, full, scope.resourceGroup);
  const providerContext = (): ProviderContext => ({ tx: overlay, ids: options.ids, clock: options.clock, logger, tenantId: scope.tenantId, location: {}, loose, warn });
  ev.list = (action, target) => readList(overlay, plan, action, target, scope.resourceGroup, providerContext);

  const written: string[] = [];
  const stored: string[] = [];
  for (const r of order) {
    if (!r.condition) continue;
    const record = applyResource(ev, overlay, r, options, warn);
    overlay.putResource(record);
    written.push(record.id);
    if (!r.provider) stored.push(record.id);
  }

  if (mode === 'Complete') {
    const keep = new Set(written.map((id) => id.toLowerCase()));
    for (const existing of overlay.listResources({ idPrefix: `${rgId}/` })) {
      if (existing.type.toLowerCase() === DEPLOYMENTS_TYPE.toLowerCase() || keep.has(existing.id.toLowerCase())) continue;
      overlay.deleteResource(existing.id);
      for (const d of overlay.listDirectoryObjects()) {
        if (d.kind === 'managedIdentity' && d.resourceId?.toLowerCase() === existing.id.toLowerCase()) overlay.deleteDirectoryObject(d.objectId);
      }
      logger.info('complete mode: deleted resource not in template', { id: existing.id });
    }
  }

  const outputs = evaluateOutputs(ev, field(template, 'outputs'));
  const publicOutputs: JsonObject = {};
  for (const [k, v] of Object.entries(outputs)) if (!isSecureType(v.type)) publicOutputs[k] = v;
  overlay.putResource({
    id: deploymentId,
    type: DEPLOYMENTS_TYPE,
    name: input.deploymentName,
    properties: {
      provisioningState: 'Succeeded',
      mode,
      timestamp: new Date(options.clock.now()).toISOString(),
      parameters: publicParams,
      outputs: publicOutputs,
      outputResources: written.map((id) => ({ id })),
    },
  });
  return { result: { resources: written, stored, outputs, warnings }, changes: overlay.changes() };
}

function applyResource(ev: ValueEvaluator, overlay: Overlay, r: PlannedResource, options: DeployOptions, warn: (m: string) => void): ResourceRecord {
  const ctx = ev.context({ allowReference: true, frames: r.frames });
  const what = `resource '${r.type}/${r.name}'`;
  const part = (k: string): unknown => {
    const key = findKey(r.raw, k);
    if (key === undefined) return undefined;
    return dropNulls(ev.evaluate(r.raw[key], childPath(r.jsonPath, key), ctx, what, r.frames, { allowReference: true, frames: r.frames }));
  };
  const properties = part('properties') ?? {};
  const input: ResourceInput = { id: r.id, type: r.type, name: r.name, properties: isObject(properties) ? properties : {} };
  const apiVersion = part('apiVersion');
  const location = part('location');
  const kind = part('kind');
  const sku = part('sku');
  const tags = part('tags');
  const identity = part('identity');
  if (typeof apiVersion === 'string') input.apiVersion = apiVersion;
  if (typeof location === 'string') input.location = location;
  if (typeof kind === 'string') input.kind = kind;
  if (sku !== undefined) input.sku = sku;
  if (isObject(tags)) input.tags = tags as Record<string, string>;
  if (identity !== undefined) {
    if (!isObject(identity) || typeof field(identity, 'type') !== 'string') {
      throw armError('ERR_ARM_RESOURCE_INVALID', `The template ${what}${atLine(r.location)} is not valid: 'identity.type' is required.`, r.location);
    }
    input.identity = { ...(identity as object), type: field(identity, 'type') as string } as ManagedServiceIdentity;
  }
  if (!isObject(properties)) throw armError('ERR_ARM_RESOURCE_INVALID', `The template ${what}${atLine(r.location)} is not valid: 'properties' must be an object.`, r.location);
  if (r.parent === undefined && r.name.includes('/')) {
    const parentId = r.id.replace(/\/[^/]+\/[^/]+$/, '');
    if (!overlay.getResource(parentId)) {
      throw armError(
        'ERR_ARM_RESOURCE_NOT_FOUND',
        `The parent resource '${parentId}' of the template ${what}${atLine(r.location)} was not found. Deploy it first or add it to the template.`,
        r.location,
        { resourceId: r.id, parentId },
      );
    }
  }
  const provider = r.provider ?? genericProvider;
  const loc: SourceLocation = r.location;
  return provider.apply(input, { tx: overlay, ids: options.ids, clock: options.clock, logger: options.logger, tenantId: options.scope.tenantId, location: loc, loose: options.loose ?? false, warn });
}

function targetId(plan: PlannedResource[], target: string): string {
  if (target.startsWith('/')) return target;
  const found = resolveTarget(plan, target).filter((r) => r.condition);
  return found.length === 1 ? found[0]!.id : target;
}

function resourceNotFound(target: string, resourceGroup: string): Error {
  return armError(
    'ERR_ARM_RESOURCE_NOT_FOUND',
    `The Resource '${target.startsWith('/') ? target.replace(/^.*\/providers\//, '') : target}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    undefined,
    { target },
  );
}

/** Full type of a resource id (`…/providers/Ns/t1/n1/t2/n2` → `Ns/t1/t2`). */
function typeOfId(id: string): string {
  const at = id.toLowerCase().lastIndexOf('/providers/');
  if (at < 0) return 'unknown';
  const segs = id.slice(at + '/providers/'.length).split('/');
  return [segs[0], ...segs.slice(1).filter((_, i) => i % 2 === 0)].join('/');
}

/**
 * `listX(target, …)`: the stored `listResults[listx]` of the target. A target the twin does not store
 * (e.g. `{site}/host/default`) is answered by its nearest stored ancestor's `listResults['<rel path>/listx']`.
 */
function readList(overlay: Overlay, plan: PlannedResource[], action: string, target: string, resourceGroup: string, providerContext: () => ProviderContext): unknown {
  const id = targetId(plan, target).replace(/\/+$/, '');
  let holder: ResourceRecord | undefined;
  let key = action.toLowerCase();
  if (id.startsWith('/')) {
    holder = overlay.getResource(id);
    const segs = id.split('/');
    for (let n = segs.length - 2; !holder && n > 0 && segs.slice(0, n).join('/').toLowerCase().includes('/providers/'); n -= 2) {
      holder = overlay.getResource(segs.slice(0, n).join('/'));
      if (holder) key = `${segs.slice(n).join('/')}/${action}`.toLowerCase();
    }
  }
  if (!holder) throw resourceNotFound(target, resourceGroup);
  let result = holder.listResults?.[key];
  if (result === undefined) {
    const ctx = providerContext();
    result = providerFor(holder.type)?.mintListResult?.(holder, key, ctx);
    if (result !== undefined) overlay.putResource({ ...holder, listResults: { ...holder.listResults, [key]: result } });
  }
  if (result !== undefined) return structuredClone(result);
  const { loose, warn } = providerContext();
  const message = `The template function '${action}' is not supported by the twin for the resource type '${typeOfId(id)}' ('${id}'): the twin has no result for the action '${action}' of this resource.`;
  if (!loose) throw armError('ERR_ARM_LIST_UNSUPPORTED', message, undefined, { action, resourceId: id });
  warn(`${message} (loose mode: evaluated as null)`);
  return null;
}

function readReference(overlay: Overlay, plan: PlannedResource[], target: string, full: boolean, resourceGroup: string): unknown {
  const id = targetId(plan, target);
  const record = id.startsWith('/') ? overlay.getResource(id) : undefined;
  if (!record) throw resourceNotFound(target, resourceGroup);
  if (!full) return structuredClone(record.properties);
  const out: JsonObject = { id: record.id, name: record.name, type: record.type };
  if (record.apiVersion !== undefined) out['apiVersion'] = record.apiVersion;
  if (record.location !== undefined) out['location'] = record.location;
  if (record.kind !== undefined) out['kind'] = record.kind;
  if (record.sku !== undefined) out['sku'] = structuredClone(record.sku);
  if (record.tags !== undefined) out['tags'] = { ...record.tags };
  if (record.identity !== undefined) {
    const { clientId: _twinOnly, ...identity } = record.identity;
    out['identity'] = structuredClone(identity);
  }
  out['properties'] = structuredClone(record.properties);
  return out;
}

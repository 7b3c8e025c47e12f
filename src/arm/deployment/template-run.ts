import { isTwinError } from '../../core/index.js';
import type { SourceLocation, TwinError } from '../../core/index.js';
import type { ManagedServiceIdentity, ResourceRecord } from '../../state/index.js';
import { armError, atLine } from '../errors.js';
import type { Budget } from '../expressions/limits.js';
import { findKey, isObject, setProp } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { genericProvider } from '../providers/generic.js';
import { addExistingProperties, addReadOnlyProperties, listResultForApiVersion, privateEndpointNicProperties, readOnlyListResult, scaleSetInstancePublicIpProperties } from '../providers/read-only-properties.js';
import { providerFor } from '../providers/registry.js';
import { FIRST_PARTY_SERVICE_PRINCIPALS, withoutWriteOnly } from '../providers/read-only-table.js';
import { checkResourceApiVersion } from '../providers/api-versions.js';
import { inApiVersionShape, toCurrentShape } from '../providers/api-version-shapes.js';
import { answeredPolicy } from '../providers/apim-policy-view.js';
import type { ProviderContext, ResourceInput } from '../providers/types.js';
import { existsOrImplied } from '../providers/implied-children.js';
import { childPath } from '../template/jsonc.js';
import type { ParsedDocument } from '../template/jsonc.js';
import type { CopyFrame } from './copy.js';
import { dropNulls, ValueEvaluator } from './evaluator.js';
import { buildDependencies, resolveTarget, topologicalOrder } from './graph.js';
import { keyVaultReader } from './keyvault-references.js';
import { runNestedDeployment } from './nested.js';
import { evaluateOutputs } from './outputs.js';
import type { Overlay } from './overlay.js';
import { isSecureType, parameterValues, resolveParameters } from './parameters.js';
import { DEPLOYMENTS_TYPE, planResources } from './plan.js';
import type { PlannedResource } from './plan.js';
import { canonicalId, evalScope, scopeId } from './scope.js';
import { completeModeDeletions } from './complete-mode.js';
import type { DeploymentTarget } from './scope.js';
import type { DeployOptions, ExpandedResource } from './types.js';
import { userFunctions } from './udf.js';
import { createVariables } from './variables.js';

/** State shared by a deployment and all its nested deployments. */
export interface RunShared {
  overlay: Overlay;
  options: DeployOptions;
  loose: boolean;
  warn(message: string): void;
  budget: Budget;
  /** Resources in deployment order, with the body as ARM would PUT it (for `trustline expand`). */
  expanded: ExpandedResource[];
  /** Expansion (no deployment semantics): every well-formed type is stored, provider rejections are warnings, missing `existing` resources answer an empty body. */
  expand: boolean;
  /** Ids of every resource written, nested deployments included. */
  written: string[];
  /** Of those, the resources of types the twin stores as given without simulating them. */
  stored: string[];
  /** Where each resource written is declared (template file, JSON path, line:column), by id (`trustline lint`). */
  sources: Record<string, SourceLocation>;
  /**
   * Set when a resource provider's refusal fails only that resource (`DeployOptions.continueAfterFailure`, the control
   * plane's deployments): the failures of every (nested) deployment, in the order they happened. Unset: the first one throws.
   */
  failures?: ResourceFailure[];
}

/**
 * One resource a deployment could not deploy (its operation `Failed`): a resource provider's refusal, a resource it
 * needs that is missing, or a nested deployment in which a resource failed (`nested`). Plain data (it crosses the
 * deployment worker's thread boundary).
 */
export interface ResourceFailure {
  resourceId: string;
  /** The (nested) deployment the resource belongs to. */
  deploymentId: string;
  /** A nested deployment that failed: its own failures follow under its id. */
  nested?: true;
  code: string;
  message: string;
  location?: SourceLocation;
  details?: Record<string, unknown>;
}

/**
 * What a resource provider refuses while the resources deploy (after ARM's validation): the resource's operation fails;
 * the rest of the deployment (resources that do not depend on it) goes on. Template and expression errors are not this.
 */
export const PROVISIONING_FAILURES: ReadonlySet<string> = new Set(['ERR_ARM_RESOURCE_INVALID', 'ERR_ARM_RESOURCE_NOT_FOUND', 'ERR_ARM_LIST_UNSUPPORTED', 'ERR_ARM_API_VERSION_UNSUPPORTED']);

/** Whether an error is a resource's own failure (provider refusal; errors of other subsystems' compilers too). */
export function isProvisioningFailure(e: unknown): e is TwinError {
  return isTwinError(e) && (PROVISIONING_FAILURES.has(e.code) || !e.code.startsWith('ERR_ARM_'));
}

/** How a template runs: the root template or a nested/linked one. */
export interface RunInput {
  doc: ParsedDocument;
  template: JsonObject;
  target: DeploymentTarget;
  deploymentName: string;
  deploymentId: string;
  /** Parameter values given (a parameters-file shape or `{x:{value}}`). */
  parameters?: Record<string, unknown>;
  mode: 'Incremental' | 'Complete';
  /** `deployment().properties.templateLink` (linked templates; files get a file: URI, docs/differences.md). */
  templateLink?: { uri: string; contentVersion?: string };
  /** The template's own file (relative `templateLink.relativePath` and file URIs resolve next to it). */
  file?: string;
  /** Outer-scope nested template: parameters, variables, functions and deployment() are the parent's. */
  /**
   * Outer expression scope: the parent's evaluator, copy frames and target. The parent evaluates the template's
   * expressions, so a `Namespace/type/name` target of reference()/list*() names a resource of the parent's resource
   * group, not of the one the nested deployment deploys to.
   */
  outer?: { ev: ValueEvaluator; frames: CopyFrame[]; target: DeploymentTarget };
  depth: number;
}

export interface RunResult {
  outputs: Record<string, { type: string; value: unknown }>;
  publicParameters: JsonObject;
  /**
   * The parameters as the deployment's record shows them: `{type, value}`, a secure one `{type}` alone (ARM's GET;
   * azure-xplat-cli issue 2786 shows `adminPassword  SecureString  undefined` in `group deployment show`).
   */
  recordParameters: JsonObject;
  /** Ids this run (not its nested deployments) wrote, in order. */
  written: string[];
  /** A resource of this run failed (`RunShared.failures`): the rest was deployed, outputs were not evaluated. */
  failed?: true;
}

const TOP_LEVEL_SKIP = new Set([
  'type', 'name', 'condition', 'copy', 'dependson', 'resources', 'comments', 'existing', 'scope',
  'subscriptionid', 'resourcegroup', 'metadata', 'import', 'extension',
]);

const field = (o: JsonObject, k: string): unknown => {
  const key = findKey(o, k);
  return key === undefined ? undefined : o[key];
};

export function languageVersion2(template: JsonObject): boolean {
  const v = field(template, 'languageVersion');
  return typeof v === 'string' && /^2\./.test(v);
}

/** Evaluate and apply one template (root, nested or linked) into the shared overlay. */
export function runTemplate(input: RunInput, shared: RunShared): RunResult {
  const { template, doc, target } = input;
  const lv2 = languageVersion2(template);
  const definitions = isObject(field(template, 'definitions')) ? (field(template, 'definitions') as JsonObject) : undefined;
  const outer = input.outer;
  const ev = new ValueEvaluator(doc, outer ? outer.ev.scope : evalScope(target), shared.loose, shared.warn, shared.budget);
  ev.languageVersion2 = lv2;
  let publicParameters: JsonObject = {};
  const recordParameters: JsonObject = {};
  if (outer) {
    ev.parameter = (n) => outer.ev.parameter(n);
    ev.variable = (n) => outer.ev.variable(n);
    ev.userFunction = (n) => outer.ev.userFunction(n);
    ev.deployment = () => outer.ev.deployment();
    for (const k of ['parameters', 'variables']) {
      const v = field(template, k);
      if (isObject(v) && Object.keys(v).length > 0) {
        shared.warn(`The nested deployment '${input.deploymentName}' uses the outer expression scope: its '${k}' section is ignored, as ARM ignores it (set expressionEvaluationOptions.scope to 'inner' to use it).`);
      }
    }
  } else {
    const udfs = userFunctions(ev, field(template, 'functions'), { languageVersion2: lv2, ...(definitions ? { definitions } : {}) });
    ev.userFunction = (n) => udfs.get(n.toLowerCase());
    const declaredParams = field(template, 'parameters') ?? {};
    const declaredVars = field(template, 'variables') ?? {};
    if (!isObject(declaredParams) || !isObject(declaredVars)) throw armError('ERR_ARM_TEMPLATE_INVALID', "The template 'parameters' and 'variables' must be objects.", doc.locate(''));
    // deployment() may be used in parameter default values: its parameters are the ones resolved so far.
    const deploymentObject = {
      name: input.deploymentName,
      properties: {
        ...(input.templateLink ? { templateLink: { uri: input.templateLink.uri, contentVersion: input.templateLink.contentVersion ?? '1.0.0.0' } } : {}),
        template: { contentVersion: field(template, 'contentVersion') ?? '1.0.0.0', ...(isObject(field(template, 'metadata')) ? { metadata: field(template, 'metadata') } : {}) },
        parameters: publicParameters,
        mode: input.mode,
        provisioningState: 'Accepted',
      },
      ...(target.kind !== 'resourceGroup' ? { location: target.location } : {}),
    };
    ev.deployment = () => structuredClone(deploymentObject);
    const params = resolveParameters(ev, declaredParams, parameterValues(input.parameters, keyVaultReader(shared, input.deploymentName)), shared.options, definitions);
    ev.parameter = (n) => params.get(n);
    ev.variable = createVariables(ev, declaredVars);
    const paramList = params.all(); // validates every parameter, in declaration order
    for (const p of paramList) {
      if (!isSecureType(p.type)) setProp(publicParameters, p.name, { type: p.type, value: p.value });
      setProp(recordParameters, p.name, isSecureType(p.type) ? { type: p.type } : { type: p.type, value: p.value });
    }
  }

  // Resources as an object of symbolic names come with languageVersion 2.0 (Bicep's symbolic-name output, earlier
  // `1.9-experimental`); a template without a languageVersion has the array form, and ARM cannot read an object there
  // (Learn, "Template syntax": languageVersion 2.0 changes resources from an array to an object). [I] the message.
  const resources = field(template, 'resources');
  if (isObject(resources) && field(template, 'languageVersion') === undefined) {
    const loc = doc.locate(`resources`);
    throw armError('ERR_ARM_TEMPLATE_INVALID', `The template 'resources' property${atLine(loc)} is an object of symbolic names, which needs "languageVersion": "2.0"; without it 'resources' must be an array.`, loc);
  }
  const plan = planResources(ev, resources ?? [], {
    target,
    extensions: field(template, 'extensions') ?? field(template, 'imports'),
    loose: shared.loose,
    strict: shared.options.strict ?? false,
    acceptAllTypes: shared.expand,
    warn: shared.warn,
  });
  const deps = buildDependencies(ev, plan);
  const order = topologicalOrder(plan, deps);
  const overlay = shared.overlay;
  const reader = new ReferenceReader(plan, shared, outer?.target ?? target, ev);
  ev.reference = (t, api, full) => reader.reference(t, full, api);
  ev.references = (t, full) => reader.references(t, full);
  ev.list = (action, t, apiVersion) => reader.list(action, t, apiVersion);

  const written: string[] = [];
  // With `shared.failures`: indexes of resources that failed or were not attempted because they wait for one that did.
  const failed = new Set<number>();
  for (const r of order) {
    if (!r.condition || r.existing) continue;
    const depIndexes = [...(deps.get(r.index) ?? [])];
    // ARM never starts a resource whose dependency failed (it has no operation); the others still deploy.
    const depIds = depIndexes.map((i) => plan[i]!).filter((d) => d.condition && !d.existing).map((d) => d.id);
    if (depIndexes.some((i) => failed.has(i))) {
      failed.add(r.index);
      // Not evaluated, but part of what ARM validated (the deployment's providers and dependencies name it).
      shared.expanded.push({ id: r.id, type: r.type, name: r.name, dependsOn: depIds, deployment: input.deploymentName });
      continue;
    }
    const mark = shared.failures ? { overlay: overlay.mark(), written: shared.written.length, stored: shared.stored.length } : undefined;
    try {
      if (r.type.toLowerCase() === DEPLOYMENTS_TYPE.toLowerCase()) {
        const nested = runNestedDeployment({ run: input, ev, resource: r, dependsOn: depIds, shared, parentFrames: outer?.frames ?? [] });
        if (nested.failed) {
          failed.add(r.index);
          shared.failures!.push({ resourceId: r.id, deploymentId: input.deploymentId, nested: true, code: 'DeploymentFailed', message: `The nested deployment '${r.name}' failed.`, location: r.location });
          continue;
        }
        written.push(r.id);
        continue;
      }
      reader.presumeParentOf(r, plan);
      const record = applyResource(ev, r, shared, input.deploymentName, depIds);
      overlay.putResource(record);
      written.push(record.id);
      shared.written.push(record.id);
      shared.sources[record.id] = r.location;
      if (!r.provider && r.type.toLowerCase() !== 'microsoft.resources/resourcegroups') shared.stored.push(record.id);
    } catch (e) {
      if (!shared.failures || !mark || !isProvisioningFailure(e)) throw e;
      // What the refused resource's provider wrote before it refused is taken back; the deployment goes on.
      overlay.restore(mark.overlay);
      shared.written.length = mark.written;
      shared.stored.length = mark.stored;
      failed.add(r.index);
      shared.failures.push({
        resourceId: r.id,
        deploymentId: input.deploymentId,
        code: e.code,
        message: e.message,
        ...(e.location ? { location: e.location } : {}),
        ...(e.details ? { details: e.details } : {}),
      });
      shared.options.logger.warn('resource failed; resources that do not depend on it go on', { id: r.id, code: e.code });
    }
  }
  // A failed deployment deletes nothing (Complete mode) and has no outputs, as ARM's.
  if (failed.size > 0) return { outputs: {}, publicParameters, recordParameters, written, failed: true };

  if (input.mode === 'Complete' && target.kind === 'resourceGroup') {
    // ARM deletes per type (complete-mode.ts): a site or an APIM service the template lacks goes, with everything
    // below it; a child the template leaves out (a site's config, an APIM service's built-in products) stays.
    const keep = new Set(written.map((id) => canonicalId(id)));
    const existingResources = overlay.listResources({ idPrefix: `${scopeId(target)}/` });
    const isDeployment = (type: string) => type.toLowerCase() === DEPLOYMENTS_TYPE.toLowerCase();
    for (const existing of completeModeDeletions(existingResources, (id) => keep.has(canonicalId(id)), isDeployment)) {
      overlay.deleteResource(existing.id);
      for (const d of overlay.listDirectoryObjects()) {
        if (d.kind === 'managedIdentity' && d.resourceId?.toLowerCase() === existing.id.toLowerCase()) overlay.deleteDirectoryObject(d.objectId);
      }
      shared.options.logger.info('complete mode: deleted resource not in template', { id: existing.id });
    }
  }

  const outputs = evaluateOutputs(ev, field(template, 'outputs'), definitions, outer?.frames ?? []);
  return { outputs, publicParameters, recordParameters, written };
}

/** The body of a resource as ARM would PUT it: every field but the template-only ones, nulls dropped. */
function evaluateBody(ev: ValueEvaluator, r: PlannedResource): JsonObject {
  const ctx = ev.context({ allowReference: true, frames: r.frames });
  const what = `resource '${r.type}/${r.name}'`;
  const body: JsonObject = {};
  for (const [k, v] of Object.entries(r.raw)) {
    const lower = k.toLowerCase();
    if (TOP_LEVEL_SKIP.has(lower)) continue;
    const value = dropNulls(ev.evaluate(v, childPath(r.jsonPath, k), ctx, what, r.frames, { allowReference: true, frames: r.frames }));
    if (value !== null && value !== undefined) setProp(body, k, value);
  }
  return body;
}

function applyResource(ev: ValueEvaluator, r: PlannedResource, shared: RunShared, deploymentName: string, dependsOn: string[]): ResourceRecord {
  const body = evaluateBody(ev, r);
  const what = `resource '${r.type}/${r.name}'`;
  const properties = field(body, 'properties') ?? {};
  if (!isObject(properties)) throw armError('ERR_ARM_RESOURCE_INVALID', `The template ${what}${atLine(r.location)} is not valid: 'properties' must be an object.`, r.location, { resourceId: r.id });
  const expandedEntry: ExpandedResource = { id: r.id, type: r.type, name: r.name };
  for (const [k, v] of Object.entries(body)) setProp(expandedEntry as JsonObject, k, v);
  expandedEntry.properties = properties;
  expandedEntry.dependsOn = dependsOn;
  expandedEntry.deployment = deploymentName;
  shared.expanded.push(expandedEntry);

  const input: ResourceInput = { id: r.id, type: r.type, name: r.name, properties };
  const apiVersion = field(body, 'apiVersion');
  const location = field(body, 'location');
  const kind = field(body, 'kind');
  const sku = field(body, 'sku');
  const tags = field(body, 'tags');
  const identity = field(body, 'identity');
  if (typeof apiVersion === 'string') input.apiVersion = apiVersion;
  if (typeof location === 'string') input.location = location;
  checkApiVersion(shared, { type: r.type, name: r.name, id: r.id, apiVersion, location: r.location, resourceLocation: typeof location === 'string' ? location : r.target.location });
  if (typeof kind === 'string') input.kind = kind;
  if (sku !== undefined) input.sku = sku;
  if (isObject(tags)) input.tags = tags as Record<string, string>;
  if (identity !== undefined) {
    if (!isObject(identity) || typeof field(identity, 'type') !== 'string') {
      throw armError('ERR_ARM_RESOURCE_INVALID', `The template ${what}${atLine(r.location)} is not valid: 'identity.type' is required.`, r.location, { resourceId: r.id });
    }
    input.identity = { ...(identity as object), type: field(identity, 'type') as string } as ManagedServiceIdentity;
  }
  const overlay = shared.overlay;
  if (r.parent === undefined && r.name.includes('/') && !shared.expand) {
    // An extension resource in the legacy form (`Microsoft.Maps/accounts/providers/roleAssignments` named
    // `{account}/Microsoft.Authorization/{guid}`) has the resource it extends as its parent.
    const parentId = r.id.replace(/\/[^/]+\/[^/]+$/, '').replace(/\/providers\/[^/]+$/i, '');
    // A child its resource provider creates with its parent (a storage account's default services) exists with it.
    if (!existsOrImplied(parentId, (id) => overlay.getResource(id))) {
      throw armError(
        'ERR_ARM_RESOURCE_NOT_FOUND',
        `The parent resource '${parentId}' of the template ${what}${atLine(r.location)} was not found. Deploy it first or add it to the template.`,
        r.location,
        { resourceId: r.id, parentId },
      );
    }
  }
  const provider = r.provider ?? genericProvider;
  const ctx = providerContext(shared, r.location, r.target.tenantId);
  if (r.extensionConfig) ctx.extensionConfig = r.extensionConfig;
  // The provider gets its own copy (in its type's current shape when an older api-version wrote it): the expanded entry
  // keeps the body as the template gave it.
  const applied = toCurrentShape(structuredClone(input));
  let record: ResourceRecord;
  let generic = provider === genericProvider;
  if (!shared.expand) record = provider.apply(applied, ctx);
  else {
    try {
      record = provider.apply(applied, ctx);
    } catch (e) {
      shared.warn(`expand: the twin's provider for '${r.type}' rejects ${r.id}: ${(e as Error).message} (stored as given)`);
      record = genericProvider.apply(structuredClone(input), ctx);
      generic = true;
    }
  }
  // Types the twin stores without simulating them get the read-only properties their RP would compute.
  if (generic) addReadOnlyProperties(record, r.target.tenantId, (id) => shared.overlay.getResource(id));
  return record;
}

/** A resource's api-version as ARM checks it (providers/api-versions.ts); `trustline expand` and `--loose` warn instead. */
export function checkApiVersion(shared: RunShared, r: { type: string; name: string; id: string; apiVersion: unknown; location: SourceLocation; resourceLocation: string }): void {
  const known = () => [...new Set(shared.overlay.listResources({ type: r.type }).map((x) => x.apiVersion).filter((v): v is string => typeof v === 'string'))].sort().reverse();
  try {
    checkResourceApiVersion({ ...r, known });
  } catch (e) {
    if (!shared.expand && !shared.loose) throw e;
    shared.warn(`${shared.expand ? 'expand' : 'loose'}: ${(e as Error).message}`);
  }
}

export function providerContext(shared: RunShared, location: SourceLocation, tenantId: string): ProviderContext {
  const { options } = shared;
  return {
    tx: shared.overlay,
    ids: options.ids,
    clock: options.clock,
    logger: options.logger,
    tenantId,
    location,
    loose: shared.loose || shared.expand,
    ...(options.templateLinkRoots ? { linkRoots: options.templateLinkRoots } : {}),
    ...(options.apimBuiltInObjects ? { apimBuiltInObjects: options.apimBuiltInObjects } : {}),
    ...(options.apimNamedValuesAfterXmlParse === false ? { apimNamedValuesAfterXmlParse: false } : {}),
    warn: shared.warn,
  };
}

/** reference(), references() and list*() against the plan of one template and the overlay. */
class ReferenceReader {
  readonly #plan: PlannedResource[];
  readonly #shared: RunShared;
  readonly #target: DeploymentTarget;
  readonly #ev: ValueEvaluator;
  /** `existing` resources a provider read from the twin's state (Graph objects), by plan index: read once per run, never stored. */
  readonly #read = new Map<number, ResourceRecord>();

  constructor(plan: PlannedResource[], shared: RunShared, target: DeploymentTarget, ev: ValueEvaluator) {
    this.#ev = ev;
    this.#plan = plan;
    this.#shared = shared;
    this.#target = target;
  }

  /** The planned resource a target names, if it is one of this template's. */
  #planned(target: string): PlannedResource | undefined {
    const found = resolveTarget(this.#plan, target);
    return found.find((r) => r.condition) ?? found[0];
  }

  /** ARM's ResourceNotFound for a target; `shown` is the id the message names (the planned resource's, when the target is one). */
  #notFound(target: string, shown = target): Error {
    return armError(
      'ERR_ARM_RESOURCE_NOT_FOUND',
      `The Resource '${shown.startsWith('/') ? shown.replace(/^.*\/providers\//, '') : shown}' under resource group '${this.#target.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      undefined,
      { target },
    );
  }

  #record(target: string): ResourceRecord {
    const planned = this.#planned(target);
    // A call to a condition-false resource is still evaluated (Learn, "Conditional deployment in ARM templates",
    // runtime functions): it reads the resource if it exists (an earlier deployment's), else it fails with ARM's
    // ResourceNotFound (Azure/azure-resource-manager-schemas#535, Azure/azure-sdk-for-js#10186). docs/behaviour/arm.md §5 item 10.
    if (planned && !planned.condition) {
      const stored = planned.id.startsWith('/') ? this.#shared.overlay.getResource(planned.id) : undefined;
      if (stored) return stored;
      throw this.#notFound(target, planned.id.startsWith('/') ? planned.id : target);
    }
    const read = planned?.existing && planned.provider?.readExisting ? this.#readExisting(planned, target) : undefined;
    if (read) return read;
    const id = planned?.id ?? this.#absolute(target);
    const record = id.startsWith('/') ? this.#shared.overlay.getResource(id) : undefined;
    if (record) return record;
    const presumed = this.#presumeExisting(planned, id, 'reference()');
    if (presumed) return presumed;
    throw this.#notFound(target);
  }

  #privateEndpointOf(nicId: string): ResourceRecord | undefined {
    const nic = canonicalId(nicId);
    return this.#shared.overlay.listResources({ type: 'Microsoft.Network/privateEndpoints' }).find((pe) => {
      const nics = pe.properties['networkInterfaces'];
      return Array.isArray(nics) && nics.some((n) => isObject(n) && typeof n['id'] === 'string' && canonicalId(n['id']) === nic);
    });
  }

  /**
   * An `existing` resource whose provider answers it from the twin's state (Microsoft Graph objects from the directory,
   * by their evaluated key). A missing one fails the deployment as ARM's own error (no operation: it is not deployed),
   * with the provider's code (Graph's 404 Request_ResourceNotFound). Expansion presumes it instead.
   */
  #readExisting(planned: PlannedResource, target: string): ResourceRecord | undefined {
    const cached = this.#read.get(planned.index);
    if (cached) return cached;
    try {
      const properties = field(evaluateBody(this.#ev, planned), 'properties') ?? {};
      const input: ResourceInput = { id: planned.id, type: planned.type, name: planned.name, properties: isObject(properties) ? properties : {} };
      const record = planned.provider!.readExisting!(input, providerContext(this.#shared, planned.location, planned.target.tenantId));
      this.#read.set(planned.index, record);
      return record;
    } catch (e) {
      if (this.#shared.expand) return this.#presumeDirectoryObject(planned);
      if (!isTwinError(e) || e.code !== 'ERR_ARM_RESOURCE_NOT_FOUND') throw e;
      const { resourceId: _resourceId, ...details } = e.details ?? {};
      throw armError(e.code, e.message, e.location, { ...details, target });
    }
  }

  /**
   * Expansion runs on an empty directory: an `existing` Graph object is presumed with its key properties as the template
   * gives them and a minted object id (`id`; a service principal's `appId` is its key), so that `.id` reads work;
   * Microsoft's first-party service principals with their published permissions (FIRST_PARTY_SERVICE_PRINCIPALS).
   */
  #presumeDirectoryObject(planned: PlannedResource): ResourceRecord {
    let properties: JsonObject = {};
    try {
      const p = field(evaluateBody(this.#ev, planned), 'properties');
      if (isObject(p)) properties = p;
    } catch {
      // A key that cannot be evaluated on an empty twin: the object is presumed without it.
    }
    this.#shared.warn(`expand: the existing Microsoft Graph object '${planned.id}' is not in the twin's directory; reference() answers it with its key and a minted id`);
    // A first-party service principal (Microsoft Graph) has the permissions every tenant's copy has.
    const appId = /\/servicePrincipals(@[^/]*)?$/i.test(planned.type) ? properties[findKey(properties, 'appId') ?? 'appId'] : undefined;
    const firstParty = typeof appId === 'string' ? FIRST_PARTY_SERVICE_PRINCIPALS[appId.toLowerCase()] : undefined;
    const record: ResourceRecord = { id: planned.id, type: planned.type, name: planned.name, properties: { ...structuredClone(firstParty ?? {}), ...properties, id: this.#shared.options.ids.uuid() } };
    this.#read.set(planned.index, record);
    return record;
  }

  /** A target given as `Namespace/type/name…` (no leading slash) is a resource of the deployment's resource group, as ARM reads it. */
  #absolute(target: string): string {
    if (target.startsWith('/') || !/^[a-z0-9]+(\.[a-z0-9-]+)+\/[^/]+\/[^/]/i.test(target) || this.#target.kind !== 'resourceGroup') return target;
    return `${scopeId(this.#target)}/providers/${target.replace(/\/+$/, '')}`;
  }

  /**
   * Expansion runs on an empty twin: a resource the template declares `existing`, or reads without deploying it
   * (pre-existing infrastructure), is presumed to exist with an empty body plus the read-only properties its
   * resource provider computes (docs/differences.md, "Expansion: resources the template does not deploy").
   * It is kept in the overlay, so that reference() and list*() answer the same values every time.
   */
  #presumeExisting(planned: PlannedResource | undefined, id: string, what: string, location?: SourceLocation): ResourceRecord | undefined {
    if (!this.#shared.expand || !(planned?.existing || (!planned && id.startsWith('/')))) return undefined;
    const rid = planned?.id ?? id;
    this.#shared.warn(
      planned
        ? `expand: the existing resource '${rid}' is not in the twin; ${what} answers it with an empty body and the read-only properties its resource provider computes`
        : `expand: the resource '${rid}' is neither in the template nor in the twin; ${what} answers it with an empty body and the read-only properties its resource provider computes`,
    );
    const record: ResourceRecord = {
      id: rid,
      type: planned?.type ?? typeOfId(rid),
      name: planned?.name ?? nameOfId(rid),
      location: planned?.target.location ?? this.#target.location,
      tags: {},
      properties: {},
    };
    // A private endpoint's NIC (the Network RP creates it): its IP configurations follow the endpoint.
    const endpoint = record.type.toLowerCase() === 'microsoft.network/networkinterfaces' ? this.#privateEndpointOf(rid) : undefined;
    if (endpoint) record.properties = privateEndpointNicProperties(endpoint);
    const scaleSet = /^microsoft\.compute\/virtualmachinescalesets\/virtualmachines\/networkinterfaces\/ipconfigurations\/publicipaddresses$/i.test(record.type)
      ? this.#shared.overlay.getResource(rid.replace(/\/virtualMachines\/.*$/i, ''))
      : undefined;
    if (scaleSet) record.properties = scaleSetInstancePublicIpProperties(rid, scaleSet);
    addExistingProperties(record, this.#target.tenantId, (id) => this.#shared.overlay.getResource(id));
    this.#shared.overlay.putResource(record);
    // What its service created inside it (an API Management service's built-in products and subscriptions).
    providerFor(record.type)?.presume?.(record, providerContext(this.#shared, planned?.location ?? location ?? {}, this.#target.tenantId));
    return record;
  }

  /**
   * Expansion: a child resource whose parent the template does not deploy (a template that adds to a service deployed
   * elsewhere: the APIM DevOps resource kit's per-object templates) finds the parent presumed to exist, holding what
   * its resource provider creates in every such resource, so that the child's provider checks it against that.
   * Only types whose provider says what they hold (`ResourceProvider.presume`) are presumed here.
   */
  presumeParentOf(r: PlannedResource, plan: PlannedResource[]): void {
    if (!this.#shared.expand) return;
    const parentId = topLevelId(r.id);
    if (!parentId || canonicalId(parentId) === canonicalId(r.id) || this.#shared.overlay.getResource(parentId)) return;
    const planned = plan.find((p) => p.condition && canonicalId(p.id) === canonicalId(parentId));
    if (planned && !planned.existing) return;
    if (!providerFor(typeOfId(parentId))?.presume) return;
    this.#presumeExisting(planned, parentId, `the child '${r.type}/${r.name}'`, r.location);
  }

  reference(target: string, full: boolean, apiVersion?: string): unknown {
    // An APIM policy is read as its GET answers it: format xml, a linked document inline (apim-policy-view.ts).
    const record = answeredPolicy(this.#record(target));
    // ARM reads the provider's GET answer with the api-version given (else the one the resource was deployed with), in
    // that version's shape (api-version-shapes.ts); write-only properties (a Key Vault secret's value) are not in it.
    const version = apiVersion ?? (typeof record.apiVersion === 'string' ? record.apiVersion : undefined);
    if (!full) {
      const properties = withoutWriteOnly(record.type, structuredClone(record.properties));
      return inApiVersionShape({ sku: record.sku, kind: record.kind, properties }, record.type, version)['properties'];
    }
    const view = inApiVersionShape(fullView(record), record.type, version);
    view['properties'] = withoutWriteOnly(record.type, view['properties'] as JsonObject);
    // A child resource without a location of its own is in its parent's location.
    if (view['location'] === undefined) {
      const parent = this.#shared.overlay.getResource(record.id.replace(/\/[^/]+\/[^/]+$/, ''));
      view['location'] = parent?.location ?? this.#target.location;
    }
    // The reference fields of the full object (Learn, template-functions-resource "reference": subscriptionId,
    // resourceGroupName, resourceId as `{type}/{name}`, referenceApiVersion, condition, isConditionTrue,
    // isTemplateResource, isAction, provisioningOperation), and its scope.
    const planned = this.#planned(target);
    const sub = /^\/subscriptions\/([^/]+)/i.exec(record.id)?.[1];
    const rg = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)/i.exec(record.id)?.[1];
    const at = record.id.toLowerCase().lastIndexOf('/providers/');
    if (sub !== undefined) view['subscriptionId'] = sub;
    if (rg !== undefined) view['resourceGroupName'] = rg;
    // A resource at a management group: `scope` is `Microsoft.Management/managementGroups/{group}` (Bicep reads
    // the group's name as its third segment; quickstart mg-policy-different-targets). Other scopes: not set.
    const group = /^\/providers\/(Microsoft\.Management\/managementGroups\/[^/]+)\/providers\//i.exec(record.id)?.[1];
    if (group !== undefined && at > 0) view['scope'] = group;
    view['resourceId'] = `${record.type}/${record.name}`;
    if (apiVersion !== undefined) view['referenceApiVersion'] = apiVersion;
    view['condition'] = true;
    view['isConditionTrue'] = true;
    view['isTemplateResource'] = planned !== undefined && !planned.existing;
    view['isAction'] = false;
    view['provisioningOperation'] = 'Read';
    return view;
  }

  references(target: string, full: boolean): unknown[] {
    const loop = this.#plan.filter((r) => r.symbolicName?.toLowerCase() === target.toLowerCase() && r.condition);
    if (loop.length === 0 && !this.#plan.some((r) => r.symbolicName?.toLowerCase() === target.toLowerCase())) throw this.#notFound(target);
    return loop.map((r) => this.reference(r.instanceName ?? r.id, full));
  }

  /**
   * `listX(target, …)`: the stored `listResults[listx]` of the target. A target the twin does not store
   * (e.g. `{site}/host/default`) is answered by its nearest stored ancestor's `listResults['<rel path>/listx']`.
   */
  list(action: string, target: string, apiVersion?: string): unknown {
    const planned = this.#planned(target);
    const id = (planned?.id ?? this.#absolute(target)).replace(/\/+$/, '');
    const overlay = this.#shared.overlay;
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
    holder ??= this.#presumeExisting(planned, id, `${action}()`);
    if (!holder) throw this.#notFound(target, id.startsWith('/') ? id : target);
    const holderId = holder.id;
    const ctx = providerContext(this.#shared, {}, this.#target.tenantId);
    // A list result of the same resource, minted and kept on first use (a function's listSecrets is made of its listKeys).
    const minted = (k: string): unknown => {
      const current = overlay.getResource(holderId)!;
      const stored = current.listResults?.[k];
      if (stored !== undefined) return stored;
      const made = providerFor(current.type)?.mintListResult?.(current, k, ctx, minted);
      if (made !== undefined) {
        const latest = overlay.getResource(holderId)!;
        overlay.putResource({ ...latest, listResults: { ...latest.listResults, [k]: made } });
      }
      return made;
    };
    let result = minted(key);
    if (result === undefined) {
      result = readOnlyListResult(holder, key);
      // A sub-resource the RP creates itself (an Event Hubs namespace's RootManageSharedAccessKey rule).
      if (result === undefined && canonicalId(holder.id) !== canonicalId(id)) {
        result = readOnlyListResult({ id, type: typeOfId(id), name: nameOfId(id), properties: {} }, action);
      }
      // `list()` of a configuration resource (`sites/config/appsettings`) answers the resource as stored.
      if (result === undefined && key === 'list' && canonicalId(holder.id) === canonicalId(id)) result = fullView(holder);
      if (result !== undefined) {
        const latest = overlay.getResource(holderId)!;
        overlay.putResource({ ...latest, listResults: { ...latest.listResults, [key]: result } });
      }
    }
    if (result !== undefined) return structuredClone(listResultForApiVersion(holder.type, key, result, apiVersion));
    const message = `The template function '${action}' is not supported by the twin for the resource type '${typeOfId(id)}' ('${id}'): the twin has no result for the action '${action}' of this resource.`;
    if (!this.#shared.loose && !this.#shared.expand) throw armError('ERR_ARM_LIST_UNSUPPORTED', message, undefined, { action, resourceId: id });
    this.#shared.warn(`${message} (loose mode: evaluated as null)`);
    return null;
  }
}

/** Full type of a resource id (`…/providers/Ns/t1/n1/t2/n2` → `Ns/t1/t2`). */
function typeOfId(id: string): string {
  const at = id.toLowerCase().lastIndexOf('/providers/');
  if (at < 0) return 'unknown';
  const segs = id.slice(at + '/providers/'.length).split('/');
  return [segs[0], ...segs.slice(1).filter((_, i) => i % 2 === 0)].join('/');
}

/** The top-level resource of an id (`…/providers/Ns/t1/n1/t2/n2` → `…/providers/Ns/t1/n1`); undefined without a type. */
function topLevelId(id: string): string | undefined {
  const at = id.toLowerCase().lastIndexOf('/providers/');
  if (at < 0) return undefined;
  const segs = id.slice(at + '/providers/'.length).split('/');
  return segs.length < 3 ? undefined : `${id.slice(0, at)}/providers/${segs.slice(0, 3).join('/')}`;
}

/** Full name of a resource id (`…/providers/Ns/t1/n1/t2/n2` → `n1/n2`). */
function nameOfId(id: string): string {
  const at = id.toLowerCase().lastIndexOf('/providers/');
  const segs = id.slice(at + '/providers/'.length).split('/');
  return segs.slice(1).filter((_, i) => i % 2 === 1).join('/');
}

/** `reference(x, api, 'Full')`: the resource as ARM's GET shows it (no twin-only fields). */
export function fullView(record: ResourceRecord): JsonObject {
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

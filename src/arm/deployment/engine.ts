import { pathToFileURL } from 'node:url';
import { TwinError, isTwinError } from '../../core/index.js';
import { armError } from '../errors.js';
import { findKey, isObject } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { checkDocumentSize, objectDocument } from '../template/jsonc.js';
import { documentOf } from '../template/load.js';
import type { ParsedDocument } from '../template/jsonc.js';
import { codedError } from '../expressions/evaluate.js';
import { ARM_LIMITS, Budget, depthUpTo, jsonSizeUpTo } from '../expressions/limits.js';
import { DEPLOYMENTS_TYPE } from './plan.js';
import { applyChanges, Overlay } from './overlay.js';
import type { ChangeSet } from './overlay.js';
import { kindOfSchema, resourceIdAt } from './scope.js';
import type { DeploymentTarget } from './scope.js';
import { runTemplate } from './template-run.js';
import { deploymentRecord } from './nested.js';
import { isProvisioningFailure } from './template-run.js';
import type { ResourceFailure, RunShared } from './template-run.js';
import type { DeployInput, DeployOptions, DeployResult } from './types.js';

function templateDocument(template: unknown): ParsedDocument {
  if (isObject(template) && typeof template['text'] === 'string' && !('resources' in template)) {
    return documentOf(template as { text: string; file?: string });
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

function deployTemplate(input: DeployInput, options: DeployOptions, expand = false): { result: DeployResult; changes: ChangeSet } {
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
  const mode = input.mode ?? 'Incremental';
  if (mode !== 'Incremental' && mode !== 'Complete') throw armError('ERR_ARM_TEMPLATE_INVALID', `The deployment mode '${String(mode)}' is not valid; expected 'Incremental' or 'Complete'.`);
  const kind = options.scopeKind ?? input.scopeKind ?? kindOfSchema(field(template, '$schema'));
  const target: DeploymentTarget = {
    kind,
    subscriptionId: scope.subscriptionId,
    resourceGroup: scope.resourceGroup,
    tenantId: scope.tenantId,
    location: scope.location,
    ...(kind === 'managementGroup' ? { managementGroup: options.managementGroup ?? scope.tenantId } : {}),
  };
  const deploymentId = resourceIdAt(target, DEPLOYMENTS_TYPE, input.deploymentName);
  const overlay = new Overlay(options.store);
  const file = templateFile(input.template);
  const shared: RunShared = {
    overlay,
    options,
    loose,
    warn,
    budget: new Budget(),
    expanded: [],
    expand,
    written: [],
    stored: [],
    sources: {},
    ...(options.continueAfterFailure && !expand ? { failures: [] } : {}),
  };
  let run: ReturnType<typeof runTemplate>;
  try {
    run = runTemplate(
      {
        doc,
        template,
        target,
        deploymentName: input.deploymentName,
        deploymentId,
        ...(input.parameters ? { parameters: input.parameters } : {}),
        mode,
        // A template deployed from a file gets a file: templateLink (docs/differences.md), so that
        // `deployment().properties.templateLink.uri` finds linked templates next to it.
        ...(file ? { templateLink: { uri: pathToFileURL(file).toString() }, file } : {}),
        depth: 0,
      },
      shared,
    );
  } catch (e) {
    throw expand ? e : withPartial(e, shared, overlay);
  }
  if (run.failed) throw withPartial(deploymentFailure(shared.failures ?? []), shared, overlay, run.recordParameters);
  overlay.putResource(deploymentRecord({ id: deploymentId, name: input.deploymentName, mode, run, outputResources: shared.written, now: options.clock.now() }));
  return { result: { resources: shared.written, stored: shared.stored, outputs: run.outputs, parameters: run.recordParameters, warnings, expanded: shared.expanded, sources: shared.sources }, changes: overlay.changes() };
}

/**
 * A resource provider's refusal (or a resource the deployment needs that is missing) happens in ARM while the resources
 * deploy: what was deployed before it stays. The error then carries that part (`details.partial`: the ids written, in
 * deployment order, and their change set) so that a caller writing resource by resource can commit it, as the control
 * plane does; `deploy()` and `Twin.deploy` without it write nothing. Template errors (ARM's validation) carry nothing.
 */
function withPartial(e: unknown, shared: RunShared, overlay: Overlay, parameters?: JsonObject): unknown {
  if (!isTwinError(e) || shared.written.length === 0) return e;
  if (!isProvisioningFailure(e)) return e;
  // (with what validation found: every resource evaluated, for the deployment's providers and dependencies)
  const partial = { resources: [...shared.written], changes: overlay.changes(), expanded: shared.expanded, ...(parameters ? { parameters } : {}) };
  return new TwinError(e.code, e.message, { ...(e.location ? { location: e.location } : {}), details: { ...(e.details ?? {}), partial }, cause: e });
}

/**
 * Resources failed and the rest deployed (`continueAfterFailure`): the first failure of the root deployment (a nested
 * deployment's first own failure when that is what failed) stands for the deployment, and `details.failures` lists them all.
 */
function deploymentFailure(failures: ResourceFailure[]): TwinError {
  const first = failures.find((f) => !f.nested) ?? failures[0]!;
  return new TwinError(first.code, first.message, {
    ...(first.location ? { location: first.location } : {}),
    details: { ...(first.details ?? {}), resourceId: first.resourceId, failures },
  });
}

/** The file a template was read from (a `{text, file}` input), if any. */
function templateFile(template: unknown): string | undefined {
  return isObject(template) && typeof template['text'] === 'string' && typeof template['file'] === 'string' && !('resources' in template) ? template['file'] : undefined;
}

/**
 * Expand a template without deploying it: evaluated against `options.store` (not written), every
 * well-formed resource type accepted, provider rejections as warnings. The result lists every resource
 * with its body as ARM would PUT it, in deployment order, nested deployments included.
 */
export function expandDeployment(input: DeployInput, options: DeployOptions): DeployResult {
  return expandWithChanges(input, options).result;
}

/** `expandDeployment` with the change set the expansion would write (a prerequisite's resources, for the template after it). */
export function expandWithChanges(input: DeployInput, options: DeployOptions): { result: DeployResult; changes: ChangeSet } {
  try {
    return deployTemplate(input, options, true);
  } catch (e) {
    throw codedError(e);
  }
}

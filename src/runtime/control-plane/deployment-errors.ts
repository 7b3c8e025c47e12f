import { TwinError, describeError, isTwinError } from '../../core/index.js';
import { isProvisioningFailure, type ResourceFailure } from '../../arm/index.js';
import { armHttpError, type ArmAdditionalInfo, type ArmErrorBody, type ArmHttpError } from './wire.js';

/**
 * How a twin error of a deployment reaches an ARM client (docs/behaviour/arm-rest.md §errors):
 * - template, parameter and expression errors are ARM's synchronous validation: 400 `InvalidTemplate`;
 * - what a resource provider rejects, or a resource the deployment needs that is missing, fails the
 *   deployment asynchronously (`provisioningState: Failed`) with ARM's `DeploymentFailed` error and one
 *   detail per failed resource, or (a `reference()`d resource that does not exist) `ResourceNotFound`.
 * Twin codes travel only in `additionalInfo` (`type: 'TrustlineError'`), never in `code`/`details[].code`.
 */
export function isDeploymentFailure(e: unknown): boolean {
  return !isTwinError(e) || isProvisioningFailure(e);
}

/** Every resource that failed (the engine's `details.failures` when the deployment went on after a failure). */
export function failuresOf(e: unknown): ResourceFailure[] | undefined {
  const f = isTwinError(e) ? e.details?.['failures'] : undefined;
  return Array.isArray(f) && f.length > 0 ? (f as ResourceFailure[]) : undefined;
}

/** One failure as the twin error its resource failed with (for `resourceError`). */
export function failureError(f: ResourceFailure): TwinError {
  return new TwinError(f.code, f.message, { ...(f.location ? { location: f.location } : {}), details: { ...(f.details ?? {}), resourceId: f.resourceId } });
}

/** A `reference()` of a resource that does not exist: ARM fails the deployment with `ResourceNotFound` itself (no operation). */
export function isMissingReference(f: ResourceFailure): boolean {
  return f.code === 'ERR_ARM_RESOURCE_NOT_FOUND' && !f.nested && f.details?.['resourceId'] === undefined && f.details?.['parentId'] === undefined && f.details?.['target'] !== undefined;
}

const DEPLOYMENT_FAILED_MESSAGE =
  'At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.';

/** The error of one failed operation of `deploymentId`: the resource provider's, or a nested deployment's own DeploymentFailed. */
export function operationError(f: ResourceFailure, all: ResourceFailure[]): ArmErrorBody {
  if (f.nested) return { code: 'DeploymentFailed', target: f.resourceId, message: DEPLOYMENT_FAILED_MESSAGE, details: failedOperationsOf(f.resourceId, all).map((x) => operationError(x, all)) };
  return resourceError(failureError(f));
}

/** The failures that are operations of `deploymentId` (in the order they happened). */
export function failedOperationsOf(deploymentId: string, all: ResourceFailure[]): ResourceFailure[] {
  const id = deploymentId.toLowerCase();
  return all.filter((f) => f.deploymentId.toLowerCase() === id && !isMissingReference(f));
}

function twinInfo(e: unknown): ArmAdditionalInfo[] {
  if (!isTwinError(e)) return [];
  const info: Record<string, unknown> = { code: e.code };
  const loc = e.location;
  if (loc?.file) info['file'] = loc.file;
  if (loc?.jsonPath) info['jsonPath'] = loc.jsonPath;
  if (loc?.line !== undefined) info['line'] = loc.line;
  if (loc?.column !== undefined) info['column'] = loc.column;
  return [{ type: 'TrustlineError', info }];
}

function templateViolation(e: TwinError): ArmAdditionalInfo[] {
  const loc = e.location;
  if (!loc || loc.line === undefined) return [];
  return [{ type: 'TemplateViolation', info: { lineNumber: loc.line, linePosition: loc.column ?? 0, path: loc.jsonPath ? `properties.template.${loc.jsonPath}` : '' } }];
}

/** The synchronous validation answer (400 InvalidTemplate) for a template/parameter/expression error. */
export function validationError(e: unknown): ArmHttpError {
  const message = isTwinError(e) ? e.message : describeError(e);
  const wrapped = /^Deployment template validation failed/.test(message) ? message : `Deployment template validation failed: '${message}'.`;
  const additionalInfo = isTwinError(e) ? [...templateViolation(e), ...twinInfo(e)] : [];
  return armHttpError(400, 'InvalidTemplate', wrapped, additionalInfo.length ? { additionalInfo } : {});
}

/** The resource a failure belongs to (providers and the engine name it in `details.resourceId`). */
export function failedResourceId(e: unknown): string | undefined {
  const id = isTwinError(e) ? e.details?.['resourceId'] : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** The resource provider's error for one failed resource (a deployment operation's `statusMessage.error`). */
export function resourceError(e: unknown): ArmErrorBody {
  const message = isTwinError(e) ? e.message : describeError(e);
  const target = failedResourceId(e);
  const extra = twinInfo(e);
  const base = (code: string): ArmErrorBody => ({ code, message, ...(target ? { target } : {}), ...(extra.length ? { additionalInfo: extra } : {}) });
  if (!isTwinError(e)) return base('InternalServerError');
  // A service behind the deployment answered with its own error (Microsoft Graph's Request_ResourceNotFound…): its code and words.
  const providerCode = e.details?.['providerCode'];
  const providerMessage = e.details?.['providerMessage'];
  if (typeof providerCode === 'string') return { ...base(providerCode), ...(typeof providerMessage === 'string' ? { message: providerMessage } : {}) };
  if (e.code === 'ERR_ARM_RESOURCE_NOT_FOUND') return base(e.details?.['parentId'] ? 'ParentResourceNotFound' : 'ResourceNotFound');
  if (e.code === 'ERR_ARM_LIST_UNSUPPORTED') return base('InvalidTemplate');
  // ARM's resource-provider routing refuses a version no provider registered (the operation fails with this code).
  if (e.code === 'ERR_ARM_API_VERSION_UNSUPPORTED') return base('NoRegisteredProviderFound');
  if (e.code === 'ERR_ARM_RESOURCE_INVALID' || e.code === 'ERR_RUNTIME_RECONCILE') return base('BadRequest');
  if (e.code.startsWith('ERR_ARM_') && e.code !== 'ERR_ARM_INTERNAL') return base('InvalidTemplate');
  return base('InternalServerError');
}

/** The deployment's `properties.error` for a failure (ARM's DeploymentFailed envelope, docs/behaviour/arm.md §6.3). */
export function deploymentFailedError(e: unknown, deploymentId: string): ArmErrorBody {
  // A template expression that fails while the resources are evaluated (after the synchronous validation): ARM
  // fails the deployment with InvalidTemplate itself, "Unable to process template language expressions …".
  if (!isDeploymentFailure(e)) {
    const v = validationError(e).body;
    return { ...v, message: v.message.replace(/^Deployment template validation failed: '(.*)'\.$/s, 'Unable to process template language expressions: \'$1\'.') };
  }
  const failures = failuresOf(e);
  if (failures) {
    const ops = failedOperationsOf(deploymentId, failures);
    // Only a reference() of a missing resource failed: ARM's own ResourceNotFound.
    if (ops.length === 0) return resourceError(new TwinError(failures[0]!.code, failures[0]!.message, { details: failures[0]!.details ?? {} }));
    return { code: 'DeploymentFailed', target: deploymentId, message: DEPLOYMENT_FAILED_MESSAGE, details: ops.map((f) => operationError(f, failures)) };
  }
  const detail = resourceError(e);
  if (detail.code === 'ResourceNotFound' && !failedResourceId(e)) return detail;
  return { code: 'DeploymentFailed', target: deploymentId, message: DEPLOYMENT_FAILED_MESSAGE, details: [detail] };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../../state/index.js';
import type { DeployInput, DeployResult } from '../../arm/index.js';
import { requireResourcesApiVersion } from './api-version.js';
import { EXPORT_KEY, deploymentView, templateHash } from './deployment-history.js';
import { isDeploymentFailure, validationError } from './deployment-errors.js';
import { notFound, type DeploymentRequest, type DeploymentService } from './deployment-service.js';
import { scratchCopy } from './scratch-store.js';
import { whatIfChanges } from './what-if.js';
import { ArmHttpError, armHttpError, readJsonObject, sendEmpty, sendJson } from './wire.js';
import type { AsyncOperation, AsyncOperations } from './async-operations.js';

export interface DeploymentRouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** Segments after `…/providers/Microsoft.Resources/deployments` (original casing). */
  rest: string[];
  /** `https://host` the client used (for Location / Azure-AsyncOperation). */
  base: string;
  service: DeploymentService;
  store: Store;
  ops: AsyncOperations;
  evaluate(input: DeployInput, store: Store): Promise<DeployResult>;
  /**
   * RBAC (`compat.controlPlane.enforceRbac`): throws ARM's 403 unless the caller may write each of these resources.
   * A deployment is checked up front, as ARM's validation does: the caller needs `{type}/write` on every resource it deploys.
   */
  authorizeWrites?(resourceIds: string[]): void;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `properties` of a deployment request body (`Deployment`), checked as ARM deserialises it. */
async function deploymentRequest(req: IncomingMessage, name: string, at: 'resourceGroup' | 'subscription'): Promise<DeploymentRequest> {
  checkDeploymentName(name);
  const body = await readJsonObject(req);
  const props = body['properties'];
  if (!isObj(props)) throw armHttpError(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: 'Required property 'properties' not found in JSON. Path '', line 1, position 1.'.");
  if (isObj(props['templateLink']) || isObj(props['parametersLink'])) {
    const link = (isObj(props['templateLink']) ? props['templateLink'] : props['parametersLink']) as Record<string, unknown>;
    throw armHttpError(400, 'InvalidContentLink', `Unable to download deployment content from '${String(link['uri'] ?? link['id'] ?? link['relativePath'] ?? '')}': the twin works offline; send the template inline ('properties.template').`);
  }
  if (!isObj(props['template'])) throw armHttpError(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: 'The deployment must have either 'template' or 'templateLink'.'.");
  const params = props['parameters'];
  if (params !== undefined && params !== null && !isObj(params)) throw armHttpError(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: ''properties.parameters' must be an object.'.");
  const modeRaw = props['mode'] ?? 'Incremental';
  const mode = typeof modeRaw === 'string' ? (modeRaw.toLowerCase() === 'complete' ? 'Complete' : modeRaw.toLowerCase() === 'incremental' ? 'Incremental' : undefined) : undefined;
  if (!mode) throw armHttpError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: 'Error converting value ${JSON.stringify(modeRaw)} to type 'DeploymentMode'. Path 'properties.mode'.'.`);
  if (at === 'subscription') {
    if (typeof body['location'] !== 'string' || body['location'] === '') throw armHttpError(400, 'InvalidDeployment', `The 'location' property must be specified for '${name}'. Please see https://aka.ms/arm-deployment-subscription for usage details.`);
    if (mode === 'Complete') throw armHttpError(400, 'InvalidDeployment', `The deployment '${name}' has mode 'Complete', which is supported for resource group deployments only. Please see https://aka.ms/arm-deployment-subscription for usage details.`);
  }
  const out: DeploymentRequest = { name, template: props['template'], parameters: isObj(params) ? params : {}, mode };
  if (typeof body['location'] === 'string') out.location = body['location'];
  if (isObj(body['tags'])) out.tags = body['tags'] as Record<string, string>;
  const onError = props['onErrorDeployment'];
  if (isObj(onError)) {
    const type = String(onError['type'] ?? 'LastSuccessful');
    if (type !== 'LastSuccessful' && type !== 'SpecificDeployment') throw armHttpError(400, 'InvalidOnErrorDeploymentType', `The onErrorDeployment type '${type}' is not valid; expected 'LastSuccessful' or 'SpecificDeployment'.`);
    if (type === 'SpecificDeployment' && typeof onError['deploymentName'] !== 'string') throw armHttpError(400, 'InvalidOnErrorDeployment', "The onErrorDeployment of type 'SpecificDeployment' needs a 'deploymentName'.");
    out.onErrorDeployment = { type, ...(typeof onError['deploymentName'] === 'string' ? { deploymentName: onError['deploymentName'] } : {}) };
  }
  return out;
}

/**
 * A deployment name as ARM accepts it (REST spec: 1–64 characters of `^[-\w\._\(\)]+$`). The length message is ARM's
 * observed one; the one for other characters is inferred (docs/differences.md).
 */
function checkDeploymentName(name: string): void {
  if (name.length > 64) {
    throw armHttpError(400, 'InvalidDeployment', `The provided deployment name '${name}' has a length of '${name.length}' which exceeds the maximum length of '64'. Please see https://aka.ms/arm-deploy for usage details.`);
  }
  if (!/^[-\p{L}\p{N}_.()]+$/u.test(name)) {
    throw armHttpError(400, 'InvalidDeployment', `The provided deployment name '${name}' is not valid: it can contain only letters, digits, '-', '.', '_', '(' and ')'. Please see https://aka.ms/arm-deploy for usage details.`);
  }
}

/** Evaluate a deployment into a scratch copy of the store (validate, what-if). */
async function dryRun(c: DeploymentRouteContext, d: DeploymentRequest): Promise<{ scratch: Store; result: DeployResult }> {
  const scratch = scratchCopy(c.store);
  try {
    const result = await c.evaluate({ deploymentName: d.name, template: d.template, parameters: d.parameters, mode: d.mode, ...c.service.scopeKindInput }, scratch);
    return { scratch, result };
  } catch (e) {
    scratch.close();
    throw e;
  }
}

/** RBAC of a deployment: evaluated into a scratch copy first, every resource it would write checked (template errors are left to the run). */
async function checkWrites(c: DeploymentRouteContext, d: DeploymentRequest): Promise<void> {
  let run: { scratch: Store; result: DeployResult };
  try {
    run = await dryRun(c, d);
  } catch {
    return;
  }
  run.scratch.close();
  c.authorizeWrites!(run.result.resources);
}

/** Routes under `/subscriptions/{s}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments`. */
export async function deploymentRoutes(c: DeploymentRouteContext): Promise<void> {
  const { req, res, query, rest, service } = c;
  const apiVersion = requireResourcesApiVersion(query);
  const method = req.method ?? 'GET';
  const [name, action, sub] = rest;
  if (name === undefined) {
    if (method !== 'GET') throw methodNotAllowed(method);
    let list = service.list();
    const filter = query.get('$filter');
    const m = filter ? /provisioningState\s+eq\s+'([^']*)'/i.exec(filter) : null;
    if (m) list = list.filter((r) => String(r.properties['provisioningState']).toLowerCase() === m[1]!.toLowerCase());
    const top = Number.parseInt(query.get('$top') ?? '', 10);
    if (Number.isInteger(top) && top >= 0) list = list.slice(0, top);
    return sendJson(res, 200, { value: list.map(deploymentView) });
  }
  if (action === undefined) {
    if (method === 'GET' || method === 'HEAD') {
      const r = service.get(name);
      if (method === 'HEAD') return sendEmpty(res, r ? 204 : 404);
      if (!r) throw notFound(name);
      return sendJson(res, 200, deploymentView(r));
    }
    if (method === 'PUT') {
      const d = await deploymentRequest(req, name, service.at);
      // ARM's deployment keeps the request's correlation id (the PUT answers it in `x-ms-correlation-request-id`).
      const correlation = res.getHeader('x-ms-correlation-request-id');
      if (typeof correlation === 'string') d.correlationId = correlation;
      if (c.authorizeWrites) await checkWrites(c, d);
      const { created, record, done, jobId } = await service.start(d);
      // Azure-AsyncOperation follows this run: Accepted/Running while it goes on, then its final state and error.
      let final: AsyncOperation | undefined;
      done.then(
        (r) => (final = { status: String(r.properties['provisioningState']), ...(r.properties['error'] ? { error: r.properties['error'] } : {}) }),
        (e: unknown) => (final = { status: 'Failed', error: e instanceof ArmHttpError ? e.body : { code: 'InternalServerError', message: 'Encountered an internal server error.' } }),
      );
      const opId = c.ops.add(() => final ?? { status: String(service.get(name)?.properties['provisioningState'] ?? 'Running') }, jobId);
      // ARM answers a deployment PUT with `Azure-AsyncOperation` alone: no `Location`, no `Retry-After` (azure-cli's
      // recorded sessions, e.g. test_group_deployment_lite: 201 + azure-asyncoperation `…/operationStatuses/08586061430124438587`).
      // (ARM writes `resourcegroups` in lower case there, as in the request path.)
      const statusUrl = `${c.base}${service.idOf(name).replace('/resourceGroups/', '/resourcegroups/')}/operationStatuses/${opId}?api-version=${apiVersion}`;
      return sendJson(res, created ? 201 : 200, deploymentView(record), { 'azure-asyncoperation': statusUrl });
    }
    if (method === 'DELETE') {
      if (!service.delete(name)) return sendEmpty(res, 204);
      const token = c.ops.add({ status: 'Succeeded', result: { status: 204 } });
      return sendEmpty(res, 202, { location: `${c.base}/subscriptions/${service.idOf(name).split('/')[2]}/operationresults/${token}?api-version=${apiVersion}`, 'retry-after': '0' });
    }
    throw methodNotAllowed(method);
  }
  const act = action.toLowerCase();
  if (act === 'operations' && method === 'GET') {
    if (!service.get(name)) throw notFound(name);
    const ops = service.operations(name);
    if (sub === undefined) return sendJson(res, 200, { value: ops });
    const op = ops.find((o) => o.operationId.toLowerCase() === sub.toLowerCase());
    if (!op) throw armHttpError(404, 'DeploymentOperationNotFound', `Deployment operation '${sub}' of deployment '${name}' could not be found.`);
    return sendJson(res, 200, op);
  }
  if (act === 'operationstatuses' && method === 'GET' && sub !== undefined) {
    const op = c.ops.get(sub);
    if (!op) throw armHttpError(404, 'OperationNotFound', `The operation '${sub}' could not be found.`);
    return sendJson(res, 200, { status: op.status, ...(op.error ? { error: op.error } : {}) });
  }
  if (method !== 'POST') throw methodNotAllowed(method);
  if (act === 'cancel') {
    service.cancel(name);
    return sendEmpty(res, 204);
  }
  if (act === 'listoutputswithsecurevalues') {
    // What Bicep compiles a module's @secure() output to (`listOutputsWithSecureValues(<deployment id>, '2022-09-01').x`):
    // every output's value by name, secure ones included, without the `{type, value}` envelope of GET's `outputs`
    // (Azure/bicep ExpressionConverter: "the listOutputsWithSecureValues API has a different format from regular
    // outputs"). A POST action: with compat.controlPlane.enforceRbac only a role granting
    // `Microsoft.Resources/deployments/listOutputsWithSecureValues/action` may call it (Reader may not).
    const r = service.get(name);
    if (!r) throw notFound(name);
    const values = r.properties['provisioningState'] === 'Succeeded' ? r.listResults?.['listoutputswithsecurevalues'] : undefined;
    return sendJson(res, 200, values ?? {});
  }
  if (act === 'exporttemplate') {
    const r = service.get(name);
    if (!r) throw notFound(name);
    return sendJson(res, 200, r.listResults?.[EXPORT_KEY] ?? { template: {} });
  }
  if (act === 'validate') {
    const d = await deploymentRequest(req, name, service.at);
    let run: { scratch: Store; result: DeployResult };
    try {
      run = await dryRun(c, d);
    } catch (e) {
      if (isDeploymentFailure(e)) {
        throw armHttpError(400, 'InvalidTemplateDeployment', `The template deployment '${name}' is not valid according to the validation procedure. See inner errors for details.`, { details: [validationError(e).body] });
      }
      throw validationError(e);
    }
    run.scratch.close();
    c.authorizeWrites?.(run.result.resources);
    return sendJson(res, 200, {
      id: service.idOf(name),
      name,
      type: 'Microsoft.Resources/deployments',
      properties: {
        templateHash: templateHash(d.template),
        mode: d.mode,
        provisioningState: 'Succeeded',
        timestamp: service.timestamp(),
        duration: 'PT0S',
        validatedResources: run.result.resources.map((id) => ({ id })),
      },
    });
  }
  if (act === 'whatif') {
    const d = await deploymentRequest(req, name, service.at);
    const current = c.store.listResources({ idPrefix: service.scopeId + '/' });
    let result: unknown;
    try {
      const run = await dryRun(c, d);
      const planned = run.result.resources.map((id) => run.scratch.getResource(id)).filter((x) => x !== undefined);
      run.scratch.close();
      // What the deployment writes outside the resource group (Microsoft Graph objects, other groups) is compared with what
      // the twin holds there too; it is never a candidate for Ignore/Delete.
      const inGroup = new Set(current.map((r) => r.id.toLowerCase()));
      const elsewhere = planned.filter((p) => !inGroup.has(p.id.toLowerCase())).flatMap((p) => c.store.getResource(p.id) ?? []);
      const changes = whatIfChanges(planned, [...current, ...elsewhere], d.mode);
      result = { status: 'Succeeded', properties: { changes } };
    } catch (e) {
      result = { status: 'Failed', error: validationError(e).body };
    }
    // ARM: 202 with `Location` alone (no Retry-After, no Azure-AsyncOperation); its token is base64url JSON
    // `{"jobId":"DeploymentWhatIfJob-…","jobLocation":"westus"}` (azure-cli's recorded test_resource_group_level_what_if).
    const token = c.ops.add({ status: 'Succeeded', result: { status: 200, body: result } }, service.whatIfJobToken());
    return sendEmpty(res, 202, { location: `${c.base}/subscriptions/${service.idOf(name).split('/')[2]}/operationresults/${token}?api-version=${apiVersion}` });
  }
  throw armHttpError(404, 'NotFound', `The action '${action}' of deployments is not supported.`);
}

export function methodNotAllowed(method: string) {
  return armHttpError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
}

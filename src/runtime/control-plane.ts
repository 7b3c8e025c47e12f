import type { CodeFunctionsOf } from './control-plane/code-functions.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../core/index.js';
import type { ResourceRecord, Store } from '../state/index.js';
import { parseJsonDocument, restoredAfterDelete, type DeployInput, type DeployResult } from '../arm/index.js';
import { METADATA_API_VERSIONS, requireProviderApiVersion, requireResourcesApiVersion } from './control-plane/api-version.js';
import { AsyncOperations, isTerminal } from './control-plane/async-operations.js';
import { deploymentRoutes, methodNotAllowed } from './control-plane/deployment-routes.js';
import { DeploymentService, Serial, typeOfId, type DeploymentServiceOptions } from './control-plane/deployment-service.js';
import { knownApiVersions, metadataEndpoints, namespacesOf, providerView, subscriptionView, tenantView, type TwinEndpoints } from './control-plane/metadata.js';
import { fullType, parseRequestPath, providerPath, resourceIdOf, type ProviderPath } from './control-plane/paths.js';
import { apimReferencesTo, inUseMessage } from './control-plane/apim-references.js';
import { resourceWriteError, singleResourceTemplate } from './control-plane/resource-writes.js';
import { resourceRoutes } from './control-plane/resource-routes.js';
import { genericResourceView, resourceView } from './control-plane/views.js';
import { resourceFilter, topOf } from './control-plane/resource-filter.js';
import { captureState, reconcileError, restoreState } from './deployment-rollback.js';
import type { ReconcileFailure } from './reconciler.js';
import { ArmHttpError, armHttpError, readJsonObject, sendArmError, sendEmpty, sendJson } from './control-plane/wire.js';
import { exportRequest, exportResourceGroup } from './control-plane/export-template.js';
import type { ArmCaller } from './control-plane/bearer-auth.js';
import { armActionOf, authorize } from './control-plane/rbac.js';
import { RateLimits, requestKind, routingRequestId } from './control-plane/rate-limits.js';

export interface ControlPlaneOptions extends DeploymentServiceOptions {
  /** Evaluate a deployment against another store (validate, what-if). */
  evaluate(input: DeployInput, store: Store): Promise<DeployResult>;
  /** Resources changed outside a deployment (DELETE): bring listeners in step; resolves to what cannot be served. */
  reconcile(): Promise<ReconcileFailure[]>;
  /** What the twin serves may have changed (a resource deleted): the ready file is rewritten. */
  changed?(): void;
  /** Full resource types the providers support (for `providers` metadata). */
  supportedTypes: string[];
  /** The identity listener's https URL (the authority host for `metadata/endpoints`). */
  loginEndpoint(): string;
  /**
   * Checks the caller (bearer token) before any ARM route; throws an ArmHttpError (401) to refuse.
   * Absent: no authentication (`trustline up --no-auth`).
   */
  authenticate?(req: IncomingMessage, controlPlaneUrl: string): Promise<ArmCaller>;
  /**
   * Enforce Azure RBAC on the authenticated caller (`compat.controlPlane.enforceRbac`): built-in role assignments
   * deployed into the twin must grant each request's action at its scope. `owners`: app ids that own the
   * subscription (the twin's own CLI). Absent: any accepted token may do everything.
   */
  rbac?: { owners: string[] };
  /** Answer ARM's 429 when a caller's subscription bucket is empty (`compat.controlPlane.throttle`); default: count only. */
  throttle?: boolean;
  /**
   * Twin-only: the decision records of recent requests (`GET /.trustline/decisions?last=N`,
   * `GET /.trustline/decisions/{requestId}`) for `trustline explain`; authenticated like the ARM routes.
   */
  decisions?(requestId: string | undefined, last: number): unknown;
  /**
   * POST actions a running listener answers rather than the store (APIM `gateways/managed/listDebugCredentials`,
   * `listTrace`): the answer, or undefined for any other action; refusals throw ArmHttpError.
   */
  liveAction?(targetId: string, action: string, readBody: () => Promise<Record<string, unknown>>): Promise<unknown>;
  /** The web console (`GET /` and its composer's `POST /`, without an api-version, which no ARM route uses); absent: the resource list only. */
  console?(req: IncomingMessage, res: ServerResponse): void;
  /** The functions a function app's code knows (the built-in echo's), answered as App Service answers them. */
  codeFunctions?: CodeFunctionsOf;
}

const RG_TYPE = 'Microsoft.Resources/resourceGroups';
/** Types whose provider deletes asynchronously (202 + Azure-AsyncOperation), as Azure answers. */
const LRO_DELETE_TYPES = new Set(['microsoft.apimanagement/service']);
const DEPLOYMENTS = 'Microsoft.Resources/deployments';

/**
 * The ARM REST control plane (docs/behaviour/arm-rest.md): the routes the Azure SDKs and the az CLI use,
 * ARM's error envelope on every failure, `api-version` required, bearer authentication when configured.
 */
export function createControlPlane(options: ControlPlaneOptions) {
  const { store, scope, logger } = options;
  const ops = new AsyncOperations(options.ids);
  // Resource-group and subscription deployments share one queue: the twin changes one deployment or write at a time.
  const serial = new Serial();
  const service = new DeploymentService({ ...options, at: 'resourceGroup', serial });
  const subService = new DeploymentService({ ...options, at: 'subscription', serial });
  const rgId = `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}`;
  const owners = new Set((options.rbac?.owners ?? []).map((o) => o.toLowerCase()));
  const rateLimits = new RateLimits(options.clock, { throttle: options.throttle ?? false });

  /** Remove a resource and its children; what the runtime could then no longer serve refuses the delete (400). Serialised with deployments. */
  const removeResource = (id: string): Promise<boolean> =>
    service.exclusive(() => removeNow(id).finally(() => options.changed?.()));
  const removeNow = async (id: string): Promise<boolean> => {
    const existing = store.getResource(id);
    if (!existing) return false;
    const users = apimReferencesTo(store, existing);
    if (users.length > 0) throw armHttpError(400, 'ValidationError', inUseMessage(existing, users));
    const before = captureState(store);
    store.transaction((tx) => {
      const prefix = existing.id.toLowerCase() + '/';
      const doomed = tx.listResources().filter((r) => r.id.toLowerCase() === existing.id.toLowerCase() || r.id.toLowerCase().startsWith(prefix));
      const ids = new Set(doomed.map((r) => r.id.toLowerCase()));
      for (const r of doomed) tx.deleteResource(r.id);
      // APIM's service-level policy reverts to the default document (src/arm/providers/apim-defaults.ts).
      const restored = restoredAfterDelete(existing, (sid) => tx.getResource(sid));
      if (restored) tx.putResource(restored);
      for (const d of tx.listDirectoryObjects()) if (d.kind === 'managedIdentity' && d.resourceId && ids.has(d.resourceId.toLowerCase())) tx.deleteDirectoryObject(d.objectId);
    });
    // What the runtime could no longer serve without it (e.g. a named value a policy uses) keeps it: the delete is refused.
    const failures = await options.reconcile();
    if (failures.length > 0) {
      restoreState(store, before);
      await options.reconcile();
      throw armHttpError(400, 'BadRequest', `The resource '${existing.id}' cannot be deleted: ${reconcileError(failures).message}`);
    }
    logger.info('resource deleted through the control plane', { id: existing.id });
    return true;
  };

  /**
   * `DELETE` of one resource as its provider answers it: synchronous 200 (204 when absent) for most types; an
   * APIM service is a long-running delete (202 with `Azure-AsyncOperation` and `Location`), as APIM answers.
   */
  const deleteResource = async (res: ServerResponse, id: string, p: ProviderPath, base: string, apiVersion: string): Promise<void> => {
    if (!LRO_DELETE_TYPES.has(fullType(p).toLowerCase())) return sendEmpty(res, (await removeResource(id)) ? 200 : 204);
    if (!store.getResource(id)) return sendEmpty(res, 204);
    const opId = ops.track(removeResource(id).then(() => ({ status: 200 })));
    return sendEmpty(res, 202, lroHeaders(base, opId, apiVersion, true));
  };

  const lroHeaders = (base: string, opId: string, apiVersion: string, asyncOperation = false): Record<string, string> => ({
    location: `${base}/subscriptions/${scope.subscriptionId}/operationresults/${opId}?api-version=${apiVersion}`,
    ...(asyncOperation ? { 'azure-asyncoperation': `${base}/subscriptions/${scope.subscriptionId}/operationstatuses/${opId}?api-version=${apiVersion}` } : {}),
    'retry-after': '1',
  });

  /**
   * `PUT`/`PATCH` of one resource: written as a one-resource deployment (the provider a deployment uses, the same
   * commit, reconcile and rollback: what the runtime cannot serve is refused and changes nothing). The deployment's
   * record is not kept: ARM records none for a direct PUT.
   */
  const writeResource = (p: ProviderPath, body: Record<string, unknown>, apiVersion: string) =>
    service.exclusive(async () => {
      const id = resourceIdOf(p);
      const created = store.getResource(id) === undefined;
      const deploymentName = `trustline-put-${options.ids.uuid()}`;
      try {
        await options.deploy({ deploymentName, template: singleResourceTemplate(p, apiVersion, body) }, { thread: 'main', history: false });
      } catch (e) {
        throw resourceWriteError(e, id);
      } finally {
        const record = service.idOf(deploymentName);
        if (store.getResource(record)) store.transaction((tx) => tx.deleteResource(record));
      }
      const record = store.getResource(id);
      if (!record) throw armHttpError(500, 'InternalServerError', 'Encountered an internal server error.');
      logger.info(`resource ${created ? 'created' : 'updated'} through the control plane`, { id: record.id });
      return { created, record };
    });

  /** Change one stored resource outside a deployment (function keys): serialised with deployments, then the listeners follow. */
  const updateResource = (id: string, update: (r: ResourceRecord) => ResourceRecord) =>
    service.exclusive(async () => {
      const current = store.getResource(id);
      if (!current) throw armHttpError(404, 'ResourceNotFound', `The Resource '${id}' was not found.`);
      const next = update(current);
      if (next !== current) {
        store.transaction((tx) => tx.putResource(next));
        await options.reconcile();
      }
      return next;
    });

  const rgView = () => ({ id: rgId, name: scope.resourceGroup, type: RG_TYPE, location: scope.location, properties: { provisioningState: 'Succeeded' } });

  async function route(req: IncomingMessage, res: ServerResponse, base: string): Promise<void> {
    const { path, query } = parseRequestPath(req.url);
    const s = path.lower;
    const method = req.method ?? 'GET';
    // Called under ARM's own host name (through the forward proxy), the twin names Azure's hosts, as the identity service does.
    const azureHost = ARM_HOSTS.has((req.headers.host ?? '').replace(/:443$/, '').toLowerCase());
    const endpoints = (): TwinEndpoints => ({
      resourceManager: azureHost ? 'https://management.azure.com' : base,
      login: azureHost ? 'https://login.microsoftonline.com' : options.loginEndpoint(),
      tenantId: scope.tenantId,
      subscriptionId: scope.subscriptionId,
      location: scope.location,
    });

    if (s.length === 0 && method === 'GET' && !query.has('api-version')) return options.console ? options.console(req, res) : resourceList(res);
    // The console's request composer posts its form to `/`.
    if (s.length === 0 && method === 'POST' && !query.has('api-version') && options.console) return options.console(req, res);
    if (s.length === 2 && s[0] === 'metadata' && s[1] === 'endpoints') {
      const v = requireResourcesApiVersion(query, METADATA_API_VERSIONS);
      if (method !== 'GET') throw methodNotAllowed(method);
      return sendJson(res, 200, metadataEndpoints(endpoints(), v));
    }
    const caller = options.authenticate ? await options.authenticate(req, base) : undefined;
    // ARM counts every request it accepts against the caller's buckets and says what is left.
    if (s[0] !== '.trustline') {
      const sub = s[0] === 'subscriptions' && s[1] !== undefined ? path.segments[1] : undefined;
      const taken = rateLimits.admit(requestKind(method), sub, caller?.objectId ?? caller?.appId);
      for (const [k, v] of Object.entries(taken.headers)) res.setHeader(k, v);
      if (taken.throttled) throw armHttpError(429, 'SubscriptionRequestsThrottled', taken.throttled.message).withHeaders({ 'retry-after': String(taken.throttled.retryAfterSeconds) });
    }
    if (caller && options.rbac) {
      const what = armActionOf(method, path.segments);
      if (what) authorize(store, caller, what, owners);
    }

    if (s[0] === '.trustline' && s[1] === 'decisions' && s.length <= 3 && options.decisions) {
      if (method !== 'GET') throw methodNotAllowed(method);
      const last = Number.parseInt(query.get('last') ?? '20', 10);
      const found = options.decisions(path.segments[2], Number.isFinite(last) && last > 0 ? last : 20);
      if (found === undefined) throw armHttpError(404, 'NotFound', `No decision record for request ${path.segments[2] ?? ''} (kept: the most recent requests only).`);
      return sendJson(res, 200, found);
    }

    if (s[0] === 'tenants' && s.length === 1) {
      requireResourcesApiVersion(query);
      if (method !== 'GET') throw methodNotAllowed(method);
      return sendJson(res, 200, { value: [tenantView(endpoints())] });
    }
    if (s[0] === 'providers' && s.length <= 2) {
      requireResourcesApiVersion(query);
      if (method !== 'GET') throw methodNotAllowed(method);
      return providers(res, endpoints(), s[1] === undefined ? undefined : path.segments[1]!);
    }
    if (s[0] !== 'subscriptions') {
      requireResourcesApiVersion(query);
      throw armHttpError(404, 'NotFound', `No route for ${method} ${path.path || '/'}.`);
    }
    if (s.length === 1) {
      requireResourcesApiVersion(query);
      if (method !== 'GET') throw methodNotAllowed(method);
      return sendJson(res, 200, { value: [subscriptionView(endpoints())], count: { type: 'Total', value: 1 } });
    }
    if (s[1] !== scope.subscriptionId.toLowerCase()) {
      requireResourcesApiVersion(query);
      throw armHttpError(404, 'SubscriptionNotFound', `The subscription '${path.segments[1]}' could not be found.`);
    }
    if (s.length === 2) {
      requireResourcesApiVersion(query);
      if (method !== 'GET') throw methodNotAllowed(method);
      return sendJson(res, 200, subscriptionView(endpoints()));
    }
    // With RBAC on, a deployment needs `{type}/write` on every resource it deploys, as ARM's validation checks.
    const authorizeWrites =
      caller && options.rbac ? (ids: string[]) => ids.forEach((id) => authorize(store, caller, { action: `${typeOfId(id)}/write`, scope: id }, owners)) : undefined;
    const deployments = (rest: string[], at: DeploymentService) =>
      deploymentRoutes({ req, res, query, rest, base, service: at, store, ops, evaluate: options.evaluate, ...(authorizeWrites ? { authorizeWrites } : {}) });
    if (s[2] === 'providers' && s[3] === 'microsoft.resources' && s[4] === 'deployments') return deployments(path.segments.slice(5), subService);
    if (s[2] === 'providers' && s.length <= 4) {
      requireResourcesApiVersion(query);
      if (method !== 'GET') throw methodNotAllowed(method);
      return providers(res, endpoints(), s[3] === undefined ? undefined : path.segments[3]!);
    }
    if (s[2] === 'resources' && s.length === 3) {
      requireResourcesApiVersion(query);
      if (method !== 'GET') throw methodNotAllowed(method);
      return sendJson(res, 200, { value: topLevelResources(query) });
    }
    if (s[2] === 'providers' && s.length === 5) {
      // `…/subscriptions/{s}/providers/{Ns}/{type}`: every resource of a type in the subscription (`az webapp list`,
      // the SDKs' `list()` without a resource group).
      const type = `${path.segments[3]}/${path.segments[4]}`;
      requireProviderApiVersion(query, type, scope.location, knownApiVersions(store, type));
      if (method !== 'GET') throw methodNotAllowed(method);
      return sendJson(res, 200, { value: store.listResources({ type, idPrefix: `/subscriptions/${scope.subscriptionId}/` }).map(resourceView) });
    }
    if ((s[2] === 'operationresults' || s[2] === 'operationstatuses') && s.length === 4) {
      // The poll carries the api-version of the request that started the operation (a provider's, for an APIM delete).
      const v = requireProviderApiVersion(query, 'Microsoft.Resources/operationResults', scope.location, []);
      const op = ops.get(path.segments[3]!);
      if (!op) throw armHttpError(404, 'OperationNotFound', `The operation '${path.segments[3]}' could not be found.`);
      if (s[2] === 'operationstatuses') return sendJson(res, 200, { status: op.status, ...(op.error ? { error: op.error } : {}) });
      // The Location poll: 202 (with Location and Retry-After) while running, then the operation's answer.
      if (!isTerminal(op.status)) return sendEmpty(res, 202, lroHeaders(base, path.segments[3]!, v));
      const result = op.result ?? { status: 204 };
      return result.body === undefined ? sendEmpty(res, result.status) : sendJson(res, result.status, result.body);
    }
    if (s[2] !== 'resourcegroups') {
      requireResourcesApiVersion(query);
      throw armHttpError(404, 'NotFound', `No route for ${method} ${path.path}.`);
    }
    if (s.length === 3) {
      requireResourcesApiVersion(query);
      if (method !== 'GET') throw methodNotAllowed(method);
      return sendJson(res, 200, { value: [rgView()] });
    }
    const rgName = path.segments[3]!;
    if (s[3] !== scope.resourceGroup.toLowerCase()) {
      requireResourcesApiVersion(query);
      if (method === 'HEAD') return sendEmpty(res, 404);
      if (method === 'PUT' && s.length === 4) throw armHttpError(400, 'BadRequest', `The twin serves one resource group, '${scope.resourceGroup}'; it cannot create the resource group '${rgName}'.`);
      throw armHttpError(404, 'ResourceGroupNotFound', `Resource group '${rgName}' could not be found.`);
    }
    if (s.length === 4) {
      const v = requireResourcesApiVersion(query);
      if (method === 'HEAD') return sendEmpty(res, 204);
      if (method === 'GET' || method === 'PUT' || method === 'PATCH') {
        if (method !== 'GET') req.resume();
        return sendJson(res, 200, rgView());
      }
      if (method === 'DELETE') {
        // ARM deletes a resource group as a long-running operation: 202 + Location, polled until 200.
        const work = (async () => {
          for (const r of store.listResources({ idPrefix: rgId + '/' })) if (r.type.split('/').length === 2 && r.type.toLowerCase() !== DEPLOYMENTS.toLowerCase()) await removeResource(r.id);
          return { status: 200 };
        })();
        return sendEmpty(res, 202, lroHeaders(base, ops.track(work), v));
      }
      throw methodNotAllowed(method);
    }
    if (s[4] === 'exporttemplate' && s.length === 5) {
      // `az group export`: a long-running operation since 2019-08-01 (202 + Location, the poll answers the result).
      const v = requireResourcesApiVersion(query);
      if (method !== 'POST') throw methodNotAllowed(method);
      const request = exportRequest(await readJsonObject(req));
      const result = exportResourceGroup(store, rgId, request);
      if (v < '2019-08-01') return sendJson(res, 200, result);
      return sendEmpty(res, 202, lroHeaders(base, ops.add({ status: 'Succeeded', result: { status: 200, body: result } }), v));
    }
    if (s[4] === 'resources' && s.length === 5) {
      requireResourcesApiVersion(query);
      if (method !== 'GET') throw methodNotAllowed(method);
      return sendJson(res, 200, { value: topLevelResources(query) });
    }
    // ARM also serves deployments without the provider segment (the REST spec's DeploymentOperations_List path).
    if (s[4] === 'deployments') return deployments(path.segments.slice(5), service);
    if (s[4] !== 'providers' || s.length < 7) {
      requireResourcesApiVersion(query);
      throw armHttpError(404, 'NotFound', `No route for ${method} ${path.path}.`);
    }
    if (s[5] === 'microsoft.resources' && s[6] === 'deployments') return deployments(path.segments.slice(7), service);
    const p = providerPath(scope.subscriptionId, scope.resourceGroup, path.segments.slice(5))!;
    return resourceRoutes({
      req,
      res,
      query,
      path: p,
      store,
      location: scope.location,
      deleteResource: (id, at) => deleteResource(res, id, at, base, query.get('api-version') ?? ''),
      writeResource,
      updateResource,
      ids: options.ids,
      ...(options.liveAction ? { liveAction: options.liveAction } : {}),
      ...(options.codeFunctions ? { codeFunctions: options.codeFunctions } : {}),
    });
  }

  /** `GET …/resources`: the top-level resources, with ARM's `$filter` and `$top`. */
  function topLevelResources(query: URLSearchParams) {
    const keep = resourceFilter(query.get('$filter'));
    const list = store
      .listResources({ idPrefix: rgId + '/' })
      .filter((r) => r.type.split('/').length === 2 && r.type.toLowerCase() !== DEPLOYMENTS.toLowerCase() && keep(r))
      .map(genericResourceView);
    const top = topOf(query);
    return top === undefined ? list : list.slice(0, top);
  }

  function providers(res: ServerResponse, e: TwinEndpoints, namespace: string | undefined): void {
    if (namespace === undefined) {
      return sendJson(res, 200, { value: namespacesOf(options.supportedTypes).map((ns) => providerView(store, e, ns, options.supportedTypes)).filter(Boolean) });
    }
    const view = providerView(store, e, namespace, options.supportedTypes);
    if (!view) throw armHttpError(404, 'InvalidResourceNamespace', `The resource namespace '${namespace}' is invalid.`);
    return sendJson(res, 200, view);
  }

  function resourceList(res: ServerResponse): void {
    const rows = store
      .listResources()
      .map((r) => `<tr><td>${escapeHtml(r.type)}</td><td>${escapeHtml(r.name)}</td></tr>`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Trustline</title><h1>Trustline</h1><table><tr><th>type</th><th>name</th></tr>${rows}</table>`);
  }

  /**
   * A deployment that ran outside the control plane (`trustline up`, `Twin.deploy`) gets the history a control-plane
   * one has (operations, exportTemplate, ARM's properties), in the history of the scope the engine deployed it to.
   */
  const recordDeployment = (input: DeployInput, result: DeployResult, started: number, before: Map<string, string>): void => {
    const at = [service, subService].find((s) => store.getResource(s.idOf(input.deploymentName)));
    if (!at) return;
    const raw = input.template as { text?: unknown; file?: unknown } | null;
    const template = raw && typeof raw.text === 'string' && !('resources' in raw) ? parseJsonDocument(raw.text, typeof raw.file === 'string' ? raw.file : undefined).value : input.template;
    at.recordFinished({ name: input.deploymentName, template, parameters: (input.parameters ?? {}) as Record<string, unknown>, mode: input.mode ?? 'Incremental' }, result, started, before);
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostIsOurs(req)) {
      // DNS-rebinding guard: a page whose name was rebound to 127.0.0.1 still sends its own Host.
      req.resume();
      res.writeHead(400, { 'content-type': 'text/html; charset=us-ascii', connection: 'close' });
      res.end('<h2>Bad Request - Invalid Hostname</h2>');
      return;
    }
    const requestId = options.ids.uuid();
    res.setHeader('x-ms-request-id', requestId);
    res.setHeader('x-ms-correlation-request-id', typeof req.headers['x-ms-correlation-request-id'] === 'string' ? req.headers['x-ms-correlation-request-id'] : requestId);
    res.setHeader('x-ms-routing-request-id', routingRequestId(scope.location, options.clock.now(), requestId));
    const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
    // The headers ARM puts on every answer (azure-cli's recorded sessions): nothing of it may be cached.
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('pragma', 'no-cache');
    res.setHeader('expires', '-1');
    res.setHeader('x-content-type-options', 'nosniff');
    // HSTS only under ARM's own host name: a browser would keep it for `localhost` and refuse the user's other
    // plain-http local servers for a year.
    if (scheme === 'https' && ARM_HOSTS.has(hostName(req))) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
    const base = `${scheme}://${req.headers.host ?? '127.0.0.1'}`;
    route(req, res, base).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof ArmHttpError) {
        if (e.status >= 500) logger.error(`control plane: ${e.message}`);
        sendArmError(req, res, e);
        return;
      }
      logger.error(`control plane: ${describeError(e)}`);
      sendArmError(req, res, armHttpError(500, 'InternalServerError', 'Encountered an internal server error.'));
    });
  };
  return Object.assign(handler, { recordDeployment });
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const ARM_HOSTS = new Set(['management.azure.com', 'management.core.windows.net']);

const HOST = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/;

/** The host name of a request (lower case, no port). */
function hostName(req: IncomingMessage): string {
  return (HOST.exec((req.headers.host ?? '').trim())?.[1] ?? '').toLowerCase();
}

/** The control plane answers only requests addressed to it: a loopback name with its own port, or ARM's host names. */
function hostIsOurs(req: IncomingMessage): boolean {
  const m = HOST.exec((req.headers.host ?? '').trim());
  if (!m) return false;
  const name = m[1]!.toLowerCase();
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (LOOPBACK.has(name)) return port === req.socket.localPort;
  return ARM_HOSTS.has(name) && (port === undefined || port === 443);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

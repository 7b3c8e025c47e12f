import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceRecord, Store } from '../../state/index.js';
import { answeredPolicy, inApiVersionShape, patchInCurrentShape, withoutWriteOnly } from '../../arm/index.js';
import { requireProviderApiVersion } from './api-version.js';
import { methodNotAllowed } from './deployment-routes.js';
import { knownApiVersions } from './metadata.js';
import { fullType, resourceIdOf, type ProviderPath } from './paths.js';
import { publishingCredentialsOf, publishProfileXml } from './publish-profile.js';
import { mergePatch } from './resource-writes.js';
import { siteConfigFallback } from './site-config-views.js';
import { codeFunctionById, codeFunctionRecords, type CodeFunctionsOf } from './code-functions.js';
import { functionKeyRoutes } from './function-key-routes.js';
import { siteActionRoutes } from './site-actions.js';
import { runningOnAuthV2, storedAuthSettingsV2 } from './app-service-auth.js';
import type { IdGenerator } from '../../core/index.js';
import { resourceView } from './views.js';
import { armHttpError, readJsonObject, sendEmpty, sendJson } from './wire.js';

export interface ResourceRouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  path: ProviderPath;
  store: Store;
  location: string;
  /** Delete a resource (and its children) from the twin and reconcile listeners; answers the response. */
  deleteResource(id: string, p: ProviderPath): Promise<void>;
  /** Write one resource as a deployment writes it (provider, commit, reconcile, rollback); throws ARM's answer. */
  writeResource(p: ProviderPath, body: Record<string, unknown>, apiVersion: string): Promise<{ created: boolean; record: ResourceRecord }>;
  /** Change one stored resource outside a deployment (serialised with deployments, listeners reconciled after it). */
  updateResource(id: string, update: (r: ResourceRecord) => ResourceRecord): Promise<ResourceRecord>;
  ids: IdGenerator;
  /** POST actions a running listener answers (APIM `gateways/managed/listDebugCredentials`); undefined: not one of them. */
  liveAction?(targetId: string, action: string, readBody: () => Promise<Record<string, unknown>>): Promise<unknown>;
  /** The functions a function app's code knows (answered by GET/list and listKeys as App Service's host answers them). */
  codeFunctions?: CodeFunctionsOf;
}

function notFound(p: ProviderPath, id: string) {
  const rel = id.slice(id.toLowerCase().indexOf('/providers/') + '/providers/'.length);
  return armHttpError(404, 'ResourceNotFound', `The Resource '${rel}' under resource group '${p.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
}

/**
 * A stored resource, or one App Service answers for every site (`config/web`, `config/appsettings`,
 * `config/authsettingsV2`), or a function the site's code knows (code-functions.ts).
 */
function lookup(store: Store, id: string, code?: CodeFunctionsOf): ResourceRecord | undefined {
  return store.getResource(id) ?? siteConfigFallback(store, id) ?? codeFunctionById(store, id, code);
}

/** The twin-stored answer of a POST action (`listKeys`, `config/appsettings/list`, `host/default/listKeys`), if any. */
function actionResult(store: Store, targetId: string, action: string): unknown {
  const act = action.toLowerCase();
  const target = lookup(store, targetId);
  if (target && act === 'list' && /^microsoft\.web\/sites(\/slots)?\/config$/i.test(target.type)) return classicVersioned(resourceView(target));
  if (target?.listResults?.[act] !== undefined) return target.listResults[act];
  if (!target && act === 'list' && /\/config\/publishingcredentials$/i.test(targetId)) {
    const site = store.getResource(targetId.replace(/\/config\/publishingcredentials$/i, ''));
    if (site) return publishingCredentialsOf(site);
  }
  const segs = targetId.split('/');
  for (let n = segs.length - 2; n > 0 && segs.slice(0, n).join('/').toLowerCase().includes('/providers/'); n -= 2) {
    const holder = store.getResource(segs.slice(0, n).join('/'));
    if (!holder) continue;
    const key = `${segs.slice(n).join('/')}/${act}`.toLowerCase();
    return holder.listResults?.[key];
  }
  return undefined;
}

/** Classic auth settings a template or a PUT stored answer `configVersion: "v1"` as App Service's do (app-service-auth.ts). */
function classicVersioned(view: Record<string, unknown>): Record<string, unknown> {
  const props = view['properties'] as Record<string, unknown> | undefined;
  if (typeof view['id'] !== 'string' || !/\/config\/authsettings$/i.test(view['id']) || !props || props['configVersion'] !== undefined) return view;
  return { ...view, properties: { ...props, configVersion: 'v1' } };
}

/**
 * A resource as GET answers it, in the shape of the request's api-version (older names where that version predates a
 * rename: src/arm/providers/api-version-shapes.ts). APIM policies and fragments come in the format the GET asks for
 * (`?format=xml`, APIM's default, or `rawxml`), as reference() reads them (src/arm/providers/apim-policy-view.ts).
 */
function answerView(r: ResourceRecord, query: URLSearchParams, apiVersion: string): Record<string, unknown> {
  return inApiVersionShape(currentView(r, query), r.type, apiVersion);
}

function currentView(r: ResourceRecord, query: URLSearchParams): Record<string, unknown> {
  const policy = answeredPolicy(r, (query.get('format') ?? 'xml').toLowerCase() === 'rawxml' ? 'rawxml' : 'xml');
  if (policy !== r) return { ...resourceView(r), properties: policy.properties };
  // Write-only properties (a Key Vault secret's `value`) are accepted by PUT and never answered by GET, as reference()
  // sees them (src/arm/providers/read-only-table.ts WRITE_ONLY); the store keeps them for the runtime and for PATCH.
  return classicVersioned({ ...resourceView(r), properties: withoutWriteOnly(r.type, r.properties) });
}

/** GET/HEAD/PUT/PATCH/DELETE of one resource, GET of a collection, POST actions, under `…/providers/{Namespace}/…`. */
export async function resourceRoutes(c: ResourceRouteContext): Promise<void> {
  const { req, res, query, path: p, store } = c;
  const method = req.method ?? 'GET';
  const type = fullType(p);
  const apiVersion = requireProviderApiVersion(query, type, c.location, knownApiVersions(store, type));
  const single = p.names.length === p.types.length;
  const appService = { req, res, path: p, store, location: c.location, updateResource: c.updateResource, ids: c.ids, ...(c.codeFunctions ? { codeFunctions: c.codeFunctions } : {}) };
  if ((await functionKeyRoutes(appService)) || (await siteActionRoutes(appService))) return;
  // App Service's `…/config/{name}/list` answers GET too (the current SDKs' getAuthSettingsV2 sends a GET).
  const configList = !single && p.types.length >= 3 && p.types[p.types.length - 1]!.toLowerCase() === 'list' && p.types[p.types.length - 2]!.toLowerCase() === 'config' && /^microsoft\.web$/i.test(p.namespace);
  if (!single && (method === 'POST' || (method === 'GET' && configList))) {
    const action = p.types[p.types.length - 1]!;
    const target: ProviderPath = { ...p, types: p.types.slice(0, -1) };
    const targetId = resourceIdOf(target);
    const live = await c.liveAction?.(targetId, action, () => readJsonObject(req, { optional: true }));
    if (live !== undefined) return sendJson(res, 200, live);
    if (action.toLowerCase() === 'publishxml') {
      const site = store.getResource(targetId);
      const xml = site && publishProfileXml(site);
      if (xml !== undefined) {
        res.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(xml)) });
        return void res.end(xml);
      }
    }
    const result = actionResult(store, targetId, action);
    if (result !== undefined) return sendJson(res, 200, result);
    if (!lookup(store, targetId, c.codeFunctions)) throw notFound(target, targetId);
    throw armHttpError(404, 'NotFound', `The action '${action}' is not supported by the twin for the resource '${targetId}'.`);
  }
  if (!single) {
    if (method !== 'GET') throw methodNotAllowed(method);
    const parentId = resourceIdOf({ ...p, types: p.types.slice(0, -1) });
    const parent = p.types.length > 1 ? lookup(store, parentId, c.codeFunctions) : undefined;
    if (p.types.length > 1 && !parent) throw notFound(p, parentId);
    const prefix = p.types.length > 1 ? parentId + '/' : `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/`;
    const list = store.listResources({ type, idPrefix: prefix });
    // A function app's functions: those templates declared and those its code brings (App Service asks the host).
    if (parent && /^microsoft\.web\/sites\/functions$/i.test(type)) list.push(...codeFunctionRecords(store, parent, c.codeFunctions));
    return sendJson(res, 200, { value: list.map((r) => answerView(r, query, apiVersion)) });
  }
  const id = resourceIdOf(p);
  if (method === 'GET' || method === 'HEAD') {
    const r = lookup(store, id, c.codeFunctions);
    if (method === 'HEAD') return sendEmpty(res, r ? 204 : 404);
    if (!r) throw notFound(p, id);
    return sendJson(res, 200, answerView(r, query, apiVersion));
  }
  if (method === 'DELETE') return c.deleteResource(id, p);
  if (method === 'PUT' || method === 'PATCH') {
    const body = await readJsonObject(req);
    let desired = body;
    const v1Site = /\/config\/authsettings$/i.test(id) ? store.getResource(id.replace(/\/config\/authsettings$/i, '')) : undefined;
    if (v1Site && storedAuthSettingsV2(store, v1Site.id)) throw runningOnAuthV2(v1Site.name.split('/').join('-'));
    if (method === 'PATCH') {
      // A PATCH is the stored resource with the body merged in (RFC 7396), then written as a PUT would be.
      const current = lookup(store, id);
      if (!current) throw notFound(p, id);
      // A body of an older api-version is read in the current shape first (the same translation as a PUT's).
      const { id: _i, name: _n, type: _t, ...view } = resourceView(current);
      desired = mergePatch(view, patchInCurrentShape(body, current.type, apiVersion, current.kind)) as Record<string, unknown>;
    }
    // A site's config (web, appsettings, authsettingsV2) always exists in App Service: its PUT answers 200.
    const always = siteConfigFallback(store, id) !== undefined;
    const { created, record } = await c.writeResource(p, desired, apiVersion);
    return sendJson(res, created && !always ? 201 : 200, answerView(record, query, apiVersion));
  }
  throw methodNotAllowed(method);
}

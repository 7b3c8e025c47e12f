import type { IncomingMessage, ServerResponse } from 'node:http';
import { functionHostKeys, functionKey } from '../../arm/index.js';
import type { ResourceRecord, Store } from '../../state/index.js';
import type { IdGenerator } from '../../core/index.js';
import { methodNotAllowed } from './deployment-routes.js';
import { resourceIdOf, type ProviderPath } from './paths.js';
import { codeFunctionById, codeFunctionKeysKey, type CodeFunctionsOf } from './code-functions.js';
import { armHttpError, readJsonObject, sendEmpty, sendJson } from './wire.js';

/** Where the twin keeps a function app's host keys and a function's keys (the listResults a template's listKeys() reads). */
const HOST_KEYS = 'host/default/listkeys';
const FUNCTION_KEYS = 'listkeys';
const HOST_KEY_TYPES = new Map([
  ['functionkeys', 'functionKeys'],
  ['systemkeys', 'systemKeys'],
  ['masterkey', 'masterKey'],
]);

export interface FunctionKeyRouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  path: ProviderPath;
  store: Store;
  location: string;
  /** Changes one stored resource (serialised with deployments; the listeners are reconciled after it). */
  updateResource(id: string, update: (r: ResourceRecord) => ResourceRecord): Promise<ResourceRecord>;
  ids: IdGenerator;
  /** The functions a function app's code knows, which no `sites/functions` resource declares (code-functions.ts). */
  codeFunctions?: CodeFunctionsOf;
}

type HostKeys = { masterKey: string; functionKeys: Record<string, string>; systemKeys: Record<string, string> };

/**
 * The Functions host's key management through ARM (WebApps_ListHostKeys, CreateOrUpdateHostSecret,
 * DeleteHostSecret, CreateOrUpdateFunctionSecret, DeleteFunctionSecret; docs/behaviour/app-service.md §4):
 *
 * - `POST {site}/host/default/listkeys`: a function app has its master key and `default` host key from its creation
 *   (`az functionapp keys list` right after a deployment); the twin mints them on the first read and keeps them;
 * - `PUT|DELETE {site}/host/default/{functionKeys|systemKeys|masterKey}/{name}` (`az functionapp keys set|delete`);
 * - `PUT|DELETE {site}/functions/{function}/keys/{name}` (`az functionapp function keys set|delete`).
 *
 * A PUT body is `{properties: {name, value}}` (azure-cli rewrites the SDK's KeyInfo map to `properties.*`); without a
 * value the host generates one. The answer is 201 for a new key, 200 for a changed one; DELETE answers 204, or 404
 * when there is no such key. The site's listeners see the keys at once (function-key checks, runtime/function-keys.ts).
 * Returns false for any other path (and for sites that are not function apps).
 */
export async function functionKeyRoutes(c: FunctionKeyRouteContext): Promise<boolean> {
  const { path: p, req, res } = c;
  const t = p.types.map((x) => x.toLowerCase());
  if (p.namespace.toLowerCase() !== 'microsoft.web' || t[0] !== 'sites') return false;
  const siteDepth = t[1] === 'slots' ? 2 : 1;
  if (p.names.length < siteDepth) return false;
  const siteId = resourceIdOf({ ...p, types: p.types.slice(0, siteDepth), names: p.names.slice(0, siteDepth) });
  const rest = t.slice(siteDepth);
  const restNames = p.names.slice(siteDepth);
  const method = req.method ?? 'GET';
  // Only the REST operations above; anything else (a GET of a key a template stored as a resource) goes the generic way.
  if (method !== 'POST' && method !== 'PUT' && method !== 'DELETE') return false;
  const isHost = rest[0] === 'host' && restNames[0]?.toLowerCase() === 'default';
  const isFunctionKey = rest[0] === 'functions' && rest[1] === 'keys' && restNames.length === 2;
  const isFunctionList = rest[0] === 'functions' && rest[1] === 'listkeys' && rest.length === 2 && restNames.length === 1;
  if (!isHost && !isFunctionKey && !isFunctionList) return false;
  const site = c.store.getResource(siteId);
  if (!site || !/functionapp/i.test(site.kind ?? '')) return false;

  // A function of the app's code (no resource declares it): its keys are kept on the site, minted on the first read as
  // the host creates a function's `default` key with the function. A declared function answers the generic way.
  const codeFunction = isFunctionKey || isFunctionList ? codeFunctionById(c.store, `${siteId}/functions/${restNames[0]}`, c.codeFunctions) : undefined;
  if (isFunctionList) {
    if (!codeFunction) return false;
    if (method !== 'POST') throw methodNotAllowed(method);
    req.resume();
    sendJson(res, 200, await codeFunctionKeys(c, site, restNames[0]!));
    return true;
  }

  if (isHost && rest.length === 2 && rest[1] === 'listkeys' && restNames.length === 1) {
    if (method !== 'POST') throw methodNotAllowed(method);
    req.resume();
    sendJson(res, 200, await hostKeysOf(c, site));
    return true;
  }
  if (isHost && rest.length === 2 && restNames.length === 2 && HOST_KEY_TYPES.has(rest[1]!)) {
    const keyType = HOST_KEY_TYPES.get(rest[1]!)!;
    const keyName = restNames[1]!;
    const keyId = `${siteId}/host/default/${keyType}/${keyName}`;
    if (method === 'PUT') {
      const value = await requestedValue(req, c);
      await hostKeysOf(c, site);
      let created = false;
      await c.updateResource(siteId, (r) => {
        const keys = structuredClone(r.listResults![HOST_KEYS]) as HostKeys;
        if (keyType === 'masterKey') keys.masterKey = value;
        else {
          const bag = (keys[keyType as 'functionKeys' | 'systemKeys'] ??= {});
          created = !(keyName in bag);
          bag[keyName] = value;
        }
        return { ...r, listResults: { ...r.listResults, [HOST_KEYS]: keys } };
      });
      sendJson(res, created ? 201 : 200, keyInfo(keyId, keyName, value, site));
      return true;
    }
    if (method === 'DELETE') {
      const keys = (await hostKeysOf(c, site)) as HostKeys;
      const bag = keyType === 'masterKey' ? undefined : keys[keyType as 'functionKeys' | 'systemKeys'];
      if (!bag || !(keyName in bag)) throw keyNotFound(keyName);
      await c.updateResource(siteId, (r) => {
        const next = structuredClone(r.listResults![HOST_KEYS]) as HostKeys;
        delete next[keyType as 'functionKeys' | 'systemKeys'][keyName];
        return { ...r, listResults: { ...r.listResults, [HOST_KEYS]: next } };
      });
      sendEmpty(res, 204);
      return true;
    }
    throw methodNotAllowed(method);
  }
  if (isFunctionKey) {
    const fnId = `${siteId}/functions/${restNames[0]}`;
    const fn = c.store.getResource(fnId);
    if (!fn && !codeFunction) throw armHttpError(404, 'NotFound', `Error retrieving function '${restNames[0]}': the function app has no function of that name.`);
    // A declared function keeps its keys on its record; a code function on its site.
    const [holderId, slot] = fn ? [fnId, FUNCTION_KEYS] : [siteId, codeFunctionKeysKey(restNames[0]!)];
    const keyName = restNames[1]!;
    const current = (fn ? (fn.listResults?.[FUNCTION_KEYS] ?? {}) : await codeFunctionKeys(c, site, restNames[0]!)) as Record<string, string>;
    if (method === 'PUT') {
      const value = await requestedValue(req, c);
      const created = !(keyName in current);
      await c.updateResource(holderId, (r) => ({ ...r, listResults: { ...r.listResults, [slot]: { ...((r.listResults?.[slot] ?? {}) as object), [keyName]: value } } }));
      sendJson(res, created ? 201 : 200, keyInfo(`${fnId}/keys/${keyName}`, keyName, value, site));
      return true;
    }
    if (method === 'DELETE') {
      if (!(keyName in current)) throw keyNotFound(keyName);
      await c.updateResource(holderId, (r) => {
        const { [keyName]: _gone, ...kept } = (r.listResults?.[slot] ?? {}) as Record<string, string>;
        return { ...r, listResults: { ...r.listResults, [slot]: kept } };
      });
      sendEmpty(res, 204);
      return true;
    }
    throw methodNotAllowed(method);
  }
  return false;
}

/** The host keys of a function app, minted and stored on the first read (what a deployment's listKeys() would mint). */
async function hostKeysOf(c: FunctionKeyRouteContext, site: ResourceRecord): Promise<unknown> {
  const stored = site.listResults?.[HOST_KEYS];
  if (stored !== undefined) return stored;
  const updated = await c.updateResource(site.id, (r) =>
    r.listResults?.[HOST_KEYS] !== undefined ? r : { ...r, listResults: { ...r.listResults, [HOST_KEYS]: functionHostKeys(c) } },
  );
  return updated.listResults![HOST_KEYS];
}

/** A code function's keys, `{default}` minted and kept on its site on the first read. */
async function codeFunctionKeys(c: FunctionKeyRouteContext, site: ResourceRecord, name: string): Promise<unknown> {
  const slot = codeFunctionKeysKey(name);
  const stored = site.listResults?.[slot];
  if (stored !== undefined) return stored;
  const updated = await c.updateResource(site.id, (r) => (r.listResults?.[slot] !== undefined ? r : { ...r, listResults: { ...r.listResults, [slot]: { default: functionKey(c) } } }));
  return updated.listResults![slot];
}

async function requestedValue(req: IncomingMessage, c: FunctionKeyRouteContext): Promise<string> {
  const body = await readJsonObject(req, { optional: true });
  const props = (body['properties'] && typeof body['properties'] === 'object' ? body['properties'] : body) as { value?: unknown };
  if (props.value === undefined || props.value === null || props.value === '') return functionKey(c);
  if (typeof props.value !== 'string' || props.value.length < 16 || props.value.length > 128 || !/^[A-Za-z0-9_\-=]+$/.test(props.value)) {
    // The Functions host's key rules: 16 to 128 characters from letters, digits, '-', '_' and '='.
    throw armHttpError(400, 'BadRequest', 'The key value must be 16 to 128 characters long and may contain only letters, digits, \'-\', \'_\' and \'=\'.');
  }
  return props.value;
}

function keyInfo(id: string, name: string, value: string, site: ResourceRecord) {
  return { id, name, ...(site.location ? { location: site.location } : {}), properties: { name, value } };
}

function keyNotFound(name: string) {
  return armHttpError(404, 'NotFound', `The key '${name}' was not found.`);
}

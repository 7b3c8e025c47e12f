import type { IncomingMessage } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Store, ResourceRecord } from '../state/index.js';
import { lastSegment, parentId, sameId } from './resource-ids.js';

/**
 * Function keys, checked by the Functions host after Easy Auth (docs/behaviour/app-service.md §4; spec T45 in
 * docs/behaviour/easyauth.md §8): an HTTP-triggered function with `authLevel` `function` needs one of its own keys,
 * a host function key or the master key, `admin` needs the master key; sent as `x-functions-key` or `?code=`. A
 * missing or wrong key is 401 from the host, whatever Easy Auth decided. Plain data: it crosses to the site worker.
 */
export interface FunctionSpec {
  name: string;
  authLevel: 'anonymous' | 'function' | 'admin';
  /** The route template after the route prefix (`api/`): the binding's `route`, else the function name. */
  route: string;
  /** This function's keys (its `listKeys()`). */
  keys: string[];
}

export interface HostKeys {
  /** The master key (`_master`), when the host's keys were listed. */
  master?: string;
  /** Host function keys (`functionKeys` of `host/default/listKeys`). */
  functionKeys: string[];
}

export interface FunctionKeyDecision {
  ok: boolean;
  reason: string;
  /** The function the path belongs to, if any. */
  function?: string;
}

const HOST_KEYS = 'host/default/listkeys';

function values(v: unknown): string[] {
  return v && typeof v === 'object' ? Object.values(v as Record<string, unknown>).filter((x): x is string => typeof x === 'string') : [];
}

/** The HTTP-triggered functions of a site, from its `Microsoft.Web/sites/functions` children. */
export function functionsOf(store: Store, site: ResourceRecord): FunctionSpec[] {
  return store
    .listResources({ type: 'Microsoft.Web/sites/functions' })
    .filter((f) => sameId(parentId(f.id), site.id))
    .flatMap((f) => {
      const bindings = ((f.properties.config as { bindings?: unknown[] } | undefined)?.bindings ?? []) as Array<Record<string, unknown>>;
      const trigger = bindings.find((b) => String(b.type ?? '').toLowerCase() === 'httptrigger');
      if (!trigger) return [];
      const level = String(trigger.authLevel ?? 'function').toLowerCase();
      const authLevel = level === 'anonymous' || level === 'admin' ? level : 'function';
      const name = lastSegment(f.id);
      return [{ name, authLevel, route: typeof trigger.route === 'string' && trigger.route ? trigger.route : name, keys: values(f.listResults?.['listkeys']) }];
    });
}

/** The host keys of a site, when a deployment listed them (`listKeys(…/host/default)`). */
export function hostKeysOf(site: ResourceRecord): HostKeys {
  const k = site.listResults?.[HOST_KEYS] as { masterKey?: unknown; functionKeys?: unknown } | undefined;
  return { ...(typeof k?.masterKey === 'string' ? { master: k.masterKey } : {}), functionKeys: values(k?.functionKeys) };
}

/** `{name}`, `{name:int}`, `{name?}` → one segment; `{*rest}` → the rest of the path. Case-insensitive. */
function routePattern(route: string): RegExp {
  const parts = route.replace(/^\/+|\/+$/g, '').split('/').map((seg) => {
    if (/^\{\*[^}]+\}$/.test(seg)) return '.*';
    return seg
      .split(/(\{[^}]+\})/)
      .map((piece) => (/^\{[^}]+\?\}$/.test(piece) ? '[^/]*' : /^\{[^}]+\}$/.test(piece) ? '[^/]+' : piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
  });
  return new RegExp(`^/api/${parts.join('/')}/?$`, 'i');
}

const same = (a: string, b: string) => {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
};

/** The key the caller sent: `x-functions-key`, else `?code=`. */
function presentedKey(req: IncomingMessage): string | undefined {
  const h = req.headers['x-functions-key'];
  if (typeof h === 'string' && h) return h;
  const code = new URL(req.url ?? '/', 'http://host').searchParams.get('code');
  return code ?? undefined;
}

export function checkFunctionKey(req: IncomingMessage, functions: FunctionSpec[], host: HostKeys): FunctionKeyDecision {
  const path = (req.url ?? '/').split('?')[0]!;
  const fn = functions.find((f) => routePattern(f.route).test(path));
  if (!fn) return { ok: true, reason: 'no function with a key requirement matches the path' };
  if (fn.authLevel === 'anonymous') return { ok: true, reason: `function ${fn.name}: authLevel anonymous`, function: fn.name };
  const key = presentedKey(req);
  if (key === undefined) return { ok: false, reason: `function ${fn.name}: authLevel ${fn.authLevel} and no key (x-functions-key or ?code=)`, function: fn.name };
  const master = host.master !== undefined && same(key, host.master);
  if (fn.authLevel === 'admin') {
    return master
      ? { ok: true, reason: `function ${fn.name}: the master key`, function: fn.name }
      : { ok: false, reason: `function ${fn.name}: authLevel admin needs the master key`, function: fn.name };
  }
  if (master) return { ok: true, reason: `function ${fn.name}: the master key`, function: fn.name };
  if (fn.keys.some((k) => same(key, k))) return { ok: true, reason: `function ${fn.name}: one of its function keys`, function: fn.name };
  if (host.functionKeys.some((k) => same(key, k))) return { ok: true, reason: `function ${fn.name}: a host key`, function: fn.name };
  return { ok: false, reason: `function ${fn.name}: the key is none of its keys, the host keys or the master key`, function: fn.name };
}

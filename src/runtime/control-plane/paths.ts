/**
 * Request paths as ARM reads them: empty segments are dropped (the Azure SDKs' `resources.getById`
 * sends `//subscriptions/…` when the id already starts with `/`), segments are percent-decoded, and
 * matching is case-insensitive while the caller's casing is kept for answers.
 */
export interface RequestPath {
  /** Decoded segments, original casing. */
  segments: string[];
  /** Lower-case segments for matching. */
  lower: string[];
  /** `/seg/seg` (decoded, original casing), `''` for the root. */
  path: string;
}

export function parseRequestPath(rawUrl: string | undefined): { path: RequestPath; query: URLSearchParams } {
  const raw = rawUrl ?? '/';
  const q = raw.indexOf('?');
  const pathname = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return {
    path: { segments, lower: segments.map((s) => s.toLowerCase()), path: segments.length ? '/' + segments.join('/') : '' },
    query,
  };
}

/**
 * A path under `/subscriptions/{s}/resourceGroups/{rg}/providers/{Namespace}/…`: the type/name pairs after
 * the namespace. `names.length === types.length` addresses one resource, `names.length === types.length - 1`
 * a collection of the last type. `action` is a trailing POST action (`listKeys`, `config/authsettingsV2/list`).
 */
export interface ProviderPath {
  subscriptionId: string;
  resourceGroup: string;
  namespace: string;
  types: string[];
  names: string[];
}

/** Full type (`Microsoft.Web/sites/config`) of a provider path. */
export function fullType(p: ProviderPath): string {
  return [p.namespace, ...p.types].join('/');
}

/** Resource id (`/subscriptions/…/providers/Ns/t/n/…`) of a provider path addressing one resource. */
export function resourceIdOf(p: ProviderPath): string {
  let id = `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/${p.namespace}`;
  p.types.forEach((t, i) => {
    id += `/${t}`;
    if (i < p.names.length) id += `/${p.names[i]}`;
  });
  return id;
}

/** `segments` = the parts after `providers` (namespace first). */
export function providerPath(subscriptionId: string, resourceGroup: string, segments: string[]): ProviderPath | undefined {
  const [namespace, ...rest] = segments;
  if (!namespace || rest.length === 0) return undefined;
  const types: string[] = [];
  const names: string[] = [];
  rest.forEach((s, i) => (i % 2 === 0 ? types : names).push(s));
  return { subscriptionId, resourceGroup, namespace, types, names };
}

/** Last segment of a full name or id (`site/authsettingsV2` → `authsettingsV2`): ARM's `name` of a child resource. */
export function leafName(name: string): string {
  const i = name.lastIndexOf('/');
  return i < 0 ? name : name.slice(i + 1);
}

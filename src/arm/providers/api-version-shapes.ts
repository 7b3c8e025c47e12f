import type { ResourceInput } from './types.js';

/**
 * Bodies written for api-versions older than a type's renames, as the resource provider reads them: it accepts the old
 * property names and keeps the resource in its current shape; a GET answers in the shape of the api-version it asks
 * for (the new names with a current one, the old names with an old one), as every ARM resource provider versions its
 * contract. Each entry: the type (lower case), the first api-version with the new shape, the translation of an older
 * body (every write: a template deployment's provider copy and a control-plane PUT/PATCH, which is a one-resource
 * deployment) and the answer of an older GET (the control plane's GET/PUT answers and `reference()` with that
 * api-version). The template's own body (what `trustline expand` prints) stays as written.
 */
interface Shape {
  types: (type: string) => boolean;
  /** The first api-version with the current shape: older bodies are translated. */
  since: string;
  translate(input: ResourceInput): void;
  /** The current-shape view (`{sku, kind, properties, …}`, a copy) as the older api-version's GET answers it; none: the same. */
  answer?(view: Record<string, unknown>): void;
}

/** The properties object of a view (a fresh copy stored back), or undefined. */
function propsOf(view: Record<string, unknown>): Record<string, unknown> | undefined {
  const p = view['properties'];
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return undefined;
  const copy = { ...(p as Record<string, unknown>) };
  view['properties'] = copy;
  return copy;
}

const prop = (o: Record<string, unknown>, k: string): string | undefined => Object.keys(o).find((x) => x.toLowerCase() === k.toLowerCase());

/** Rename `from` to `to` in `o` unless `to` is already there. */
function rename(o: Record<string, unknown>, from: string, to: string): void {
  const f = prop(o, from);
  if (f === undefined || prop(o, to) !== undefined) return;
  o[to] = o[f];
  delete o[f];
}

const APIM = 'microsoft.apimanagement/service/';

const SHAPES: Shape[] = [
  {
    // API Management policies (service, API, operation, product) before 2019-01-01: `policyContent` + `contentFormat`
    // (REST spec 2018-01-01 PolicyContractProperties; `xml` by default), renamed `value` + `format` in 2019-01-01.
    types: (t) => t.startsWith(APIM) && t.endsWith('/policies'),
    since: '2019-01-01',
    translate: (input) => {
      rename(input.properties, 'policyContent', 'value');
      rename(input.properties, 'contentFormat', 'format');
    },
    // The GET of those versions answers the content only (REST spec 2018-06-01-preview example
    // ApiManagementCreatePolicy.json: `properties` holds `policyContent`, no `contentFormat`), in the xml format (the
    // GET's `format` parameter came with 2019-01-01).
    answer: (view) => {
      const p = propsOf(view);
      if (!p) return;
      rename(p, 'value', 'policyContent');
      const f = prop(p, 'format');
      if (f !== undefined) delete p[f];
    },
  },
  {
    // API Management APIs before 2019-01-01: an import's `contentValue` + `contentFormat` (REST spec 2018-01-01
    // ApiCreateOrUpdateProperties), renamed `value` + `format`.
    types: (t) => t === `${APIM}apis`,
    since: '2019-01-01',
    translate: (input) => {
      rename(input.properties, 'contentValue', 'value');
      rename(input.properties, 'contentFormat', 'format');
    },
  },
  {
    // API Management subscriptions before 2019-01-01: `userId` + `productId` (REST spec 2018-01-01
    // SubscriptionCreateParameterProperties), which 2019-01-01 generalised to `ownerId` + `scope`.
    types: (t) => t === `${APIM}subscriptions`,
    since: '2019-01-01',
    translate: (input) => {
      rename(input.properties, 'userId', 'ownerId');
      rename(input.properties, 'productId', 'scope');
    },
    // 2018-01-01 SubscriptionContractProperties answer `userId` + `productId`. A subscription to all APIs or to one API
    // (a scope 2019-01-01 introduced) has no product: its scope stays as it is [I].
    answer: (view) => {
      const p = propsOf(view);
      if (!p) return;
      rename(p, 'ownerId', 'userId');
      const scope = prop(p, 'scope');
      if (scope !== undefined && typeof p[scope] === 'string' && /\/products\/[^/]+$/i.test(p[scope] as string)) rename(p, 'scope', 'productId');
    },
  },
  {
    // Storage accounts before 2016-01-01 (2015-06-15, 2015-05-01-preview): `properties.accountType` (Standard_LRS, …);
    // 2016-01-01 moved it to `sku.name` and added `kind`, then only `Storage` (general purpose v1).
    types: (t) => t === 'microsoft.storage/storageaccounts',
    since: '2016-01-01',
    translate: (input) => {
      const k = prop(input.properties, 'accountType');
      if (k === undefined) return;
      const accountType = input.properties[k];
      delete input.properties[k];
      if (input.sku === undefined && typeof accountType === 'string') input.sku = { name: accountType };
      input.kind ??= 'Storage';
    },
    // 2015-06-15 StorageAccount has no `sku`/`kind`: the SKU's name is `properties.accountType`.
    answer: (view) => {
      const sku = view['sku'] as { name?: unknown } | undefined;
      const p = propsOf(view);
      if (!p) return;
      if (typeof sku?.name === 'string' && prop(p, 'accountType') === undefined) p['accountType'] = sku.name;
      delete view['sku'];
      delete view['kind'];
    },
  },
];

const older = (version: string, since: string): boolean => version.slice(0, 10) < since;

/** The body `input` (the provider's copy) in its type's current shape, translated in place from an older api-version's. */
export function toCurrentShape(input: ResourceInput): ResourceInput {
  const type = input.type.toLowerCase();
  const version = input.apiVersion;
  if (typeof version !== 'string') return input;
  for (const s of SHAPES) if (s.types(type) && older(version, s.since)) s.translate(input);
  return input;
}

/**
 * A PATCH body (`{properties, sku, kind, …}`) of `apiVersion` in the current shape, to merge into the stored resource
 * (which is in the current shape): the same translation as a PUT's. `kind` is the stored resource's (a translation
 * never replaces it).
 */
export function patchInCurrentShape(body: Record<string, unknown>, type: string, apiVersion: string, kind: string | undefined): Record<string, unknown> {
  const props = body['properties'];
  if (props !== undefined && (props === null || typeof props !== 'object' || Array.isArray(props))) return body;
  const input = { id: '', name: '', type, apiVersion, properties: { ...((props ?? {}) as Record<string, unknown>) } } as ResourceInput;
  const sku = body['sku'];
  if (sku !== undefined) input.sku = sku as ResourceInput['sku'];
  const givenKind = typeof body['kind'] === 'string' ? (body['kind'] as string) : kind;
  if (givenKind !== undefined) input.kind = givenKind;
  toCurrentShape(input);
  const out: Record<string, unknown> = { ...body };
  if (props !== undefined || Object.keys(input.properties).length > 0) out['properties'] = input.properties;
  if (input.sku !== undefined) out['sku'] = input.sku;
  if (input.kind !== undefined && input.kind !== kind) out['kind'] = input.kind;
  return out;
}

/**
 * A resource view (`{id, name, type, sku, kind, properties, …}` in the current shape, as GET answers it) in the shape of
 * `apiVersion`: a shallow copy with the older names where that api-version predates a rename, else `view` itself.
 */
export function inApiVersionShape<T extends Record<string, unknown>>(view: T, type: string, apiVersion: string | undefined): T {
  if (apiVersion === undefined) return view;
  const t = type.toLowerCase();
  let out = view;
  for (const s of SHAPES) {
    if (!s.answer || !s.types(t) || !older(apiVersion, s.since)) continue;
    if (out === view) out = { ...view };
    s.answer(out);
  }
  return out;
}

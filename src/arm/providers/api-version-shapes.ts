import type { ResourceInput } from './types.js';

/**
 * Bodies written for api-versions older than a type's renames, as the resource provider reads them: it accepts the old
 * property names and keeps the resource in its current shape (a GET with a current api-version answers the new names).
 * Each entry: the type (lower case), the first api-version with the new shape, and the translation of an older body.
 * The template's own body (what `trustline expand` prints) stays as written; only the provider's copy is translated.
 */
interface Shape {
  types: (type: string) => boolean;
  /** The first api-version with the current shape: older bodies are translated. */
  since: string;
  translate(input: ResourceInput): void;
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
  },
];

/** The body `input` (the provider's copy) in its type's current shape, translated in place from an older api-version's. */
export function toCurrentShape(input: ResourceInput): ResourceInput {
  const type = input.type.toLowerCase();
  const version = input.apiVersion;
  if (typeof version !== 'string') return input;
  for (const s of SHAPES) if (s.types(type) && version < s.since) s.translate(input);
  return input;
}

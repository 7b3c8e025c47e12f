import { findKey, isObject } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';

/**
 * The parameters a template builds its linked documents' URLs from: `templateLink.uri` (or an API Management
 * `*-link` document's `value`) written as
 * `concat(parameters('base'), 'path', parameters('token'))` (also `uri(…)`, or `format('{0}…', parameters('base'), …)`).
 * A deployment script stages the template's folder and passes its URL as `base` and a SAS token as `token`
 * (`--fill-missing` gives them the template's folder and an empty token, as the quickstart CI's `_artifactsLocation`).
 */
export interface LinkParameters {
  /** Parameters a linked template's URL starts with (lower case), with the literal paths that follow them. */
  bases: Map<string, string[]>;
  /** Parameters appended at the end of a linked template's URL (a SAS token), not also a base. */
  tokens: Set<string>;
}

const PARAM = String.raw`parameters\(\s*'([^']+)'\s*\)`;
// concat(parameters('base'), 'path', …) and uri(…): group 1 the base, group 2 the path; format('{0}path', parameters('base')).
const BASE = [
  new RegExp(String.raw`^\[\s*(?:concat|uri)\(\s*${PARAM}\s*(?:,\s*'([^']*)')?`, 'i'),
  new RegExp(String.raw`^\[\s*format\(\s*'\{0\}([^'{]*)[^']*'\s*,\s*${PARAM}`, 'i'),
];
const TOKEN = new RegExp(String.raw`,\s*${PARAM}\s*\)\s*\]$`, 'i');

export function linkParameters(template: unknown): LinkParameters {
  const found: LinkParameters = { bases: new Map(), tokens: new Set() };
  const visit = (v: unknown, depth: number): void => {
    if (depth > 64) return;
    if (Array.isArray(v)) return v.forEach((x) => visit(x, depth + 1));
    if (!isObject(v)) return;
    const link = v[findKey(v, 'templateLink') ?? 'templateLink'];
    // A linked template, or an API Management document link (`format: xml-link|rawxml-link|openapi-link|…` + `value`;
    // before 2019-01-01 `contentFormat` + `policyContent`/`contentValue`, src/arm/providers/api-version-shapes.ts).
    const format = v[findKey(v, 'format') ?? findKey(v, 'contentFormat') ?? 'format'];
    const uri = isObject(link)
      ? (link as JsonObject)[findKey(link as JsonObject, 'uri') ?? 'uri']
      : typeof format === 'string' && /-link$/i.test(format)
        ? v[findKey(v, 'value') ?? findKey(v, 'policyContent') ?? findKey(v, 'contentValue') ?? 'value']
        : undefined;
    if (typeof uri === 'string') {
      const c = BASE[0]!.exec(uri);
      const f = BASE[1]!.exec(uri);
      const [name, path] = c ? [c[1]!, c[2]] : f ? [f[2]!, f[1]] : [];
      if (name !== undefined) {
        const paths = found.bases.get(name.toLowerCase()) ?? [];
        if (path) paths.push(path);
        found.bases.set(name.toLowerCase(), paths);
      }
      // Only a URL that starts with a base ends with a token (`concat('https://host/', parameters('file'))` names a file).
      const t = name !== undefined ? TOKEN.exec(uri) : null;
      if (t) found.tokens.add(t[1]!.toLowerCase());
    }
    for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(template, 0);
  for (const b of found.bases.keys()) found.tokens.delete(b);
  return found;
}

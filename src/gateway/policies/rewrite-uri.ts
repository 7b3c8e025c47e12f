import { escapeData } from '../pipeline/query-string.js';
import { rebuildUrl } from '../pipeline/request-run.js';
import type { PolicyDefinition } from './types.js';
import { boolOf, optional, required, str } from './util.js';

/**
 * rewrite-uri: template relative to the backend base, `{param}` from the matched parameters; query
 * parameters not named in the operation's template are kept unless copy-unmatched-params=false.
 */
export const rewriteUri: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['template', 'copy-unmatched-params'],
  compile(node, cc, base) {
    const template = required(cc, node, 'template');
    const copy = optional(cc, node, 'copy-unmatched-params');
    return {
      ...base,
      run(rc) {
        // A `{param}` in the path does not start a query or fragment (its `?` and `#` go on escaped); in the query part
        // it is one parameter value (its `&`, `=`, `+` are data), or under compat flag rewriteUriQueryParameter
        // `textual` text of the query string read after it is put in (docs/behaviour/apim.md §1.7, docs/differences.md).
        const raw = str(template.get(rc));
        const qi = raw.indexOf('?');
        const param = (p: string) => rc.request.matchedParameters.get(p) ?? '';
        const inQuery = rc.services.flags.rewriteUriQueryParameter === 'textual' ? param : (p: string) => escapeData(param(p));
        const path = (qi < 0 ? raw : raw.slice(0, qi)).replace(/\{([^}]+)\}/g, (_m, p: string) => param(p).replace(/\?/g, '%3F').replace(/#/g, '%23'));
        const newQuery: Array<[string, string]> = qi < 0 ? [] : [...new URLSearchParams(raw.slice(qi + 1).replace(/\{([^}]+)\}/g, (_m, p: string) => inQuery(p)))];
        const opQuery = rc.operation.urlTemplate.includes('?')
          ? new Set([...new URLSearchParams(rc.operation.urlTemplate.slice(rc.operation.urlTemplate.indexOf('?') + 1)).keys()])
          : new Set<string>();
        const kept = boolOf(copy, rc, true) ? rc.request.url.query.filter(([k]) => !opQuery.has(k) && !newQuery.some(([n]) => n === k)) : [];
        rc.relativePath = path;
        rc.request.url.query = [...newQuery, ...kept];
        rebuildUrl(rc);
      },
    };
  },
};

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
        const t = str(template.get(rc)).replace(/\{([^}]+)\}/g, (_m, p: string) => rc.request.matchedParameters.get(p) ?? '');
        const qi = t.indexOf('?');
        const path = qi < 0 ? t : t.slice(0, qi);
        const newQuery: Array<[string, string]> = qi < 0 ? [] : [...new URLSearchParams(t.slice(qi + 1))];
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

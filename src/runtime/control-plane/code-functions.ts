import type { ResourceRecord, Store } from '../../state/index.js';

/**
 * A function the Functions host knows from the app's code rather than from ARM (docs/behaviour/app-service.md §4):
 * App Service answers `GET {site}/functions[/{name}]` and `POST {site}/functions/{name}/listkeys` from the host, so a
 * function deployed with its code (a zip, `func azure functionapp publish`, the twin's built-in echo) is listed and has
 * keys although no template declared a `Microsoft.Web/sites/functions` resource.
 */
export interface CodeFunction {
  name: string;
  authLevel: 'anonymous' | 'function' | 'admin';
  /** The HTTP trigger's route after `api/` (default: the function's name). */
  route?: string;
  language: string;
}

/** The functions the code of a site knows (empty when the twin cannot see the code: a `--backend` host). */
export type CodeFunctionsOf = (site: ResourceRecord) => readonly CodeFunction[];

const FUNCTIONS_TYPE = 'Microsoft.Web/sites/functions';
const isFunctionApp = (site: ResourceRecord) => /functionapp/i.test(site.kind ?? '');

/** Where the twin keeps a code function's keys: on its site, as `listKeys()` of `{site}/functions/{name}` reads them. */
export const codeFunctionKeysKey = (name: string) => `functions/${name}/listkeys`.toLowerCase();

/** The function as App Service's GET answers it (REST spec `FunctionEnvelope`), with the keys kept on its site. */
function envelope(site: ResourceRecord, fn: CodeFunction): ResourceRecord {
  const host = String(site.properties['defaultHostName'] ?? `${site.name.toLowerCase()}.azurewebsites.net`);
  const scm = host.replace(/^([^.]+)\./, '$1.scm.');
  const route = fn.route ?? fn.name;
  const keys = site.listResults?.[codeFunctionKeysKey(fn.name)];
  return {
    id: `${site.id}/functions/${fn.name}`,
    type: FUNCTIONS_TYPE,
    name: `${site.name}/${fn.name}`,
    ...(site.location ? { location: site.location } : {}),
    properties: {
      name: fn.name,
      function_app_id: site.id,
      script_root_path_href: `https://${scm}/api/vfs/site/wwwroot/${fn.name}/`,
      config_href: `https://${scm}/api/vfs/site/wwwroot/${fn.name}/function.json`,
      href: `https://${scm}/api/functions/${fn.name}`,
      config: {
        bindings: [
          { authLevel: fn.authLevel, type: 'httpTrigger', direction: 'in', name: 'req', ...(fn.route ? { route: fn.route } : {}) },
          { type: 'http', direction: 'out', name: 'res' },
        ],
      },
      invoke_url_template: `https://${host}/api/${route}`,
      language: fn.language,
      isDisabled: false,
    },
    ...(keys !== undefined ? { listResults: { listkeys: keys } } : {}),
  };
}

/** The code functions of a function app that no `sites/functions` resource declares, as records. */
export function codeFunctionRecords(store: Store, site: ResourceRecord, of: CodeFunctionsOf | undefined): ResourceRecord[] {
  if (!of || !isFunctionApp(site)) return [];
  return of(site)
    .filter((fn) => !store.getResource(`${site.id}/functions/${fn.name}`))
    .map((fn) => envelope(site, fn));
}

/** `{site}/functions/{name}` when the site's code knows that function and no resource declares it. */
export function codeFunctionById(store: Store, id: string, of: CodeFunctionsOf | undefined): ResourceRecord | undefined {
  const m = /^(.*\/providers\/Microsoft\.Web\/sites\/[^/]+)\/functions\/([^/]+)$/i.exec(id);
  const site = m && store.getResource(m[1]!);
  if (!m || !site) return undefined;
  return codeFunctionRecords(store, site, of).find((r) => r.name.split('/').pop()!.toLowerCase() === m[2]!.toLowerCase());
}

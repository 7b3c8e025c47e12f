import type { ProviderPath } from './paths.js';
import { resourceIdOf } from './paths.js';
import { sendEmpty } from './wire.js';
import type { FunctionKeyRouteContext } from './function-key-routes.js';

/**
 * `POST {site}[/slots/{slot}]/restart|start|stop` (WebApps_Restart/Start/Stop; `az webapp|functionapp
 * restart|start|stop`): 200 with no body. Stop sets the site's `state` to `Stopped`, and its listeners then answer
 * App Service's 403 "This web app is stopped." page to every request (runtime/site-host.ts); start sets `Running`.
 * Restart has nothing to restart in the twin (the settings are read anew on every change) and only answers.
 * Returns false for any other path.
 */
export async function siteActionRoutes(c: FunctionKeyRouteContext): Promise<boolean> {
  const p: ProviderPath = c.path;
  const t = p.types.map((x) => x.toLowerCase());
  if (p.namespace.toLowerCase() !== 'microsoft.web' || t[0] !== 'sites' || (c.req.method ?? 'GET') !== 'POST') return false;
  const depth = t[1] === 'slots' ? 2 : 1;
  const action = t[depth];
  if (t.length !== depth + 1 || p.names.length !== depth || (action !== 'restart' && action !== 'start' && action !== 'stop')) return false;
  const siteId = resourceIdOf({ ...p, types: p.types.slice(0, depth) });
  if (!c.store.getResource(siteId)) return false;
  c.req.resume();
  if (action !== 'restart') {
    const state = action === 'stop' ? 'Stopped' : 'Running';
    await c.updateResource(siteId, (r) => (r.properties['state'] === state ? r : { ...r, properties: { ...r.properties, state } }));
  }
  sendEmpty(c.res, 200);
  return true;
}

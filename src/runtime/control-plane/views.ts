import type { ResourceRecord } from '../../state/index.js';
import { leafName } from './paths.js';

/** The envelope fields of a resource as ARM shows them (location, kind, sku, tags, identity without the twin-only client id). */
function envelope(r: ResourceRecord, name: string): Record<string, unknown> {
  const out: Record<string, unknown> = { id: r.id, name, type: r.type };
  if (r.location !== undefined) out['location'] = r.location;
  if (r.kind !== undefined) out['kind'] = r.kind;
  if (r.sku !== undefined) out['sku'] = r.sku;
  if (r.tags !== undefined) out['tags'] = r.tags;
  if (r.identity !== undefined) {
    const { clientId: _twinOnly, ...identity } = r.identity;
    out['identity'] = identity;
  }
  return out;
}

/**
 * A stored resource as ARM's GET answers it: `name` is the last segment (`authsettingsV2`, not
 * `site/authsettingsV2`), twin-only fields (`listResults`, the system identity's client id) are hidden. App Service
 * names a function `{site}/{function}` [obs: a published `GET {site}/functions` answer, `"name": "{site}/create_cert"`].
 */
export function resourceView(r: ResourceRecord): Record<string, unknown> {
  const fullName = /^microsoft\.web\/sites(\/slots)?\/functions$/i.test(r.type);
  return { ...envelope(r, fullName ? r.name : leafName(r.name)), properties: r.properties };
}

/** An entry of `GET …/resources` (`GenericResourceExpanded`): the full name, no properties. */
export function genericResourceView(r: ResourceRecord): Record<string, unknown> {
  const state = r.properties['provisioningState'];
  return { ...envelope(r, r.name), provisioningState: typeof state === 'string' ? state : 'Succeeded' };
}

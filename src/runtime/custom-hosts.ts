import type { Store } from '../state/index.js';
import { lastSegment, parentId, sameId } from './resource-ids.js';
import type { SiteView } from './site-config.js';

/** What a custom domain reaches: a site (by its host label) or an APIM service's gateway (by its lower-case name). */
export interface CustomHost {
  kind: 'site' | 'apim';
  /** `<label>.azurewebsites.net` of the site, `<label>.azure-api.net` of the service. */
  label: string;
}

const BINDING_TYPES = ['Microsoft.Web/sites/hostNameBindings', 'Microsoft.Web/sites/slots/hostNameBindings'];
const DEFAULT_SUFFIXES = ['.azurewebsites.net', '.azure-api.net'];
const isDefault = (host: string) => DEFAULT_SUFFIXES.some((s) => host.endsWith(s));

/**
 * The custom domains deployed in the state, each with what it reaches, as Azure's front ends route a request by its
 * Host (docs/behaviour/app-service.md, docs/behaviour/apim.md):
 * - an APIM service's `hostnameConfigurations` entries of type `Proxy` (the gateway's host names);
 * - a site's (or slot's) `hostNameBindings` children, named after the host, and the names its own `hostNames` /
 *   `hostNameSslStates` list.
 * The default `*.azurewebsites.net` / `*.azure-api.net` names are left out (the twin's suffix routes serve them); a
 * wildcard binding (`*.contoso.com`) is kept as written. The first claim of a name wins (Azure refuses a second).
 */
export function customHostsOf(store: Store, sites: readonly SiteView[], siteLabel: (view: SiteView) => string): Map<string, CustomHost> {
  const out = new Map<string, CustomHost>();
  const claim = (name: unknown, host: CustomHost) => {
    if (typeof name !== 'string' || name === '') return;
    const h = name.toLowerCase().replace(/\.$/, '');
    if (!isDefault(h) && !out.has(h)) out.set(h, host);
  };
  for (const svc of store.listResources({ type: 'Microsoft.ApiManagement/service' })) {
    const configs = svc.properties['hostnameConfigurations'];
    for (const c of Array.isArray(configs) ? (configs as Array<Record<string, unknown> | null>) : []) {
      if (String(c?.['type'] ?? '').toLowerCase() === 'proxy') claim(c?.['hostName'], { kind: 'apim', label: svc.name.toLowerCase() });
    }
  }
  for (const type of BINDING_TYPES) {
    for (const b of store.listResources({ type })) {
      const site = sites.find((s) => sameId(s.resource.id, parentId(b.id)));
      if (site) claim(lastSegment(b.id), { kind: 'site', label: siteLabel(site) });
    }
  }
  for (const site of sites) {
    const p = site.resource.properties as { hostNames?: unknown; hostNameSslStates?: unknown };
    for (const n of Array.isArray(p.hostNames) ? p.hostNames : []) claim(n, { kind: 'site', label: siteLabel(site) });
    for (const s of Array.isArray(p.hostNameSslStates) ? p.hostNameSslStates : []) claim((s as { name?: unknown } | null)?.name, { kind: 'site', label: siteLabel(site) });
  }
  return out;
}

/** What a host name reaches: its own entry, else a wildcard one level up (`*.contoso.com` covers `api.contoso.com`). */
export function customHostOf(hosts: ReadonlyMap<string, CustomHost>, host: string): CustomHost | undefined {
  if (hosts.size === 0) return undefined;
  const h = host.toLowerCase().replace(/\.$/, '');
  const exact = hosts.get(h);
  if (exact) return exact;
  const dot = h.indexOf('.');
  return dot > 0 ? hosts.get(`*${h.slice(dot)}`) : undefined;
}

/** The custom domains of one site or service (its SNI names: the twin's certificate is issued for these). */
export function customHostsFor(hosts: ReadonlyMap<string, CustomHost>, kind: CustomHost['kind'], label: string): string[] {
  return [...hosts].filter(([, t]) => t.kind === kind && t.label === label).map(([h]) => h);
}

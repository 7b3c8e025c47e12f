import type { Store } from '../state/index.js';
import type { SiteView } from '../runtime/index.js';

/** How a backend host name reaches a site: its default host name, or a custom domain bound to it. */
export interface SiteHost {
  site: SiteView;
  /** The custom domain's binding resource id (`…/sites/{site}/hostNameBindings/{host}`), when the host is one. */
  binding?: string;
}

const BINDING_TYPES = ['Microsoft.Web/sites/hostNameBindings', 'Microsoft.Web/sites/slots/hostNameBindings'];

const parentOf = (id: string) => id.slice(0, id.toLowerCase().lastIndexOf('/hostnamebindings/'));

/**
 * Every host name that reaches a site of the state: `<site>.azurewebsites.net` (a slot's `<site>-<slot>…`), and each
 * custom domain bound to it — a `Microsoft.Web/sites/hostNameBindings` (or a slot's) child named after the host, or a
 * name the site's own `hostNames` / `hostNameSslStates` list. App Service's front end routes a request by its Host to
 * the site that has it bound (docs/behaviour/app-service.md), so a backend URL with that host calls that site.
 */
export function siteHosts(store: Store, sites: readonly SiteView[]): Map<string, SiteHost> {
  const out = new Map<string, SiteHost>();
  const byId = new Map(sites.map((s) => [s.resource.id.toLowerCase(), s]));
  for (const site of sites) out.set(site.hostName, { site });
  for (const type of BINDING_TYPES) {
    for (const b of store.listResources({ type })) {
      const site = byId.get(parentOf(b.id).toLowerCase());
      const host = b.name.split('/').pop()!.toLowerCase();
      if (site && !out.has(host)) out.set(host, { site, binding: b.id });
    }
  }
  for (const site of sites) {
    const p = site.resource.properties as { hostNames?: unknown; hostNameSslStates?: unknown };
    const names = [
      ...(Array.isArray(p.hostNames) ? p.hostNames : []),
      ...(Array.isArray(p.hostNameSslStates) ? p.hostNameSslStates.map((s) => (s as { name?: unknown } | null)?.name) : []),
    ];
    for (const n of names) if (typeof n === 'string' && !out.has(n.toLowerCase())) out.set(n.toLowerCase(), { site });
  }
  return out;
}

/** The site a host name reaches: exact, else a wildcard binding (`*.contoso.com` covers one more label). */
export function siteOfHost(hosts: ReadonlyMap<string, SiteHost>, host: string): SiteHost | undefined {
  const h = host.toLowerCase();
  const exact = hosts.get(h);
  if (exact) return exact;
  const dot = h.indexOf('.');
  return dot > 0 ? hosts.get(`*${h.slice(dot)}`) : undefined;
}

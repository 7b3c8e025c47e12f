import type { Store, ResourceRecord } from '../state/index.js';
import { lastSegment, parentId, sameId } from './resource-ids.js';
import { functionsOf, hostKeysOf, type FunctionSpec, type HostKeys } from './function-keys.js';

export interface SiteView {
  resource: ResourceRecord;
  name: string;
  hostName: string;
  /** authsettingsV2 `properties`, or undefined when the site has none. */
  authSettings: unknown;
  appSettings: Record<string, string>;
  /** HTTP-triggered functions and the host keys (checked after Easy Auth). */
  functions: FunctionSpec[];
  hostKeys: HostKeys;
  /** `state: Stopped` (`az webapp stop`). */
  stopped: boolean;
}

function toSettingsMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const e of value) {
      if (e && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string') {
        out[(e as { name: string }).name] = String((e as { value?: unknown }).value ?? '');
      }
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out[k] = String(v ?? '');
  }
  return out;
}

/** Everything the runtime needs to play each `Microsoft.Web/sites` resource and each deployment slot (`sites/slots`, named `{site}-{slot}`). */
export function siteViews(store: Store): SiteView[] {
  const configs = [...store.listResources({ type: 'Microsoft.Web/sites/config' }), ...store.listResources({ type: 'Microsoft.Web/sites/slots/config' })];
  const sites = [...store.listResources({ type: 'Microsoft.Web/sites' }), ...store.listResources({ type: 'Microsoft.Web/sites/slots' })];
  return sites.map((site) => {
    const mine = configs.filter((c) => sameId(parentId(c.id), site.id));
    // authsettingsV2, else the V2 form App Service derives from classic `authsettings` (kept by the ARM provider).
    const v2 = mine.find((c) => lastSegment(c.id).toLowerCase() === 'authsettingsv2');
    const v1 = mine.find((c) => lastSegment(c.id).toLowerCase() === 'authsettings');
    const auth = v2 ?? (v1?.listResults?.['twin/authsettingsv2'] !== undefined ? { properties: v1.listResults['twin/authsettingsv2'] } : undefined);
    const appSettingsRes = mine.find((c) => lastSegment(c.id).toLowerCase() === 'appsettings');
    const siteConfig = (site.properties.siteConfig ?? {}) as { appSettings?: unknown };
    const appSettings = { ...toSettingsMap(siteConfig.appSettings), ...toSettingsMap(appSettingsRes?.properties) };
    const hostName = String(site.properties.defaultHostName ?? `${site.name.split('/').join('-')}.azurewebsites.net`).toLowerCase();
    return { resource: site, name: site.name.split('/').join('-'), hostName, authSettings: auth?.properties, appSettings, functions: functionsOf(store, site), hostKeys: hostKeysOf(site), stopped: String(site.properties.state ?? '').toLowerCase() === 'stopped' };
  });
}


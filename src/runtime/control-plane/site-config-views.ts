import type { ResourceRecord, Store } from '../../state/index.js';
import { authSettingsV1View, storedAuthSettingsV2 } from './app-service-auth.js';

const CONFIG = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.web\/sites\/[^/]+(?:\/slots\/[^/]+)?)\/config\/([^/]+)$/i;

/**
 * App Service answers `config/web`, `config/appsettings`, `config/connectionstrings`, `config/slotConfigNames` and
 * `config/authsettingsV2` for every site, also when no template deployed them as `sites/config` resources: `web` is
 * the site's `siteConfig`, `appsettings` its `siteConfig.appSettings` as a map, `connectionstrings` its
 * `siteConfig.connectionStrings` as a map of `{value, type}` (REST spec ConnectionStringDictionary), `slotConfigNames`
 * no sticky settings (SlotConfigNamesResource, each list null: what `az webapp config appsettings list` reads after the
 * settings), `authsettingsV2` the platform default (off), `authsettings` the classic view of the same settings
 * (app-service-auth.ts), `logs` the diagnostic logging a new site has: everything off (SiteLogsConfig; [I] values
 * of a new site, docs/differences.md).
 */
export function siteConfigFallback(store: Store, id: string): ResourceRecord | undefined {
  const m = CONFIG.exec(id);
  if (!m) return undefined;
  const site = store.getResource(m[1]!);
  if (!site) return undefined;
  const configName = m[2]!;
  const siteConfig = (site.properties['siteConfig'] ?? {}) as Record<string, unknown>;
  const base = { id: `${site.id}/config/${configName}`, type: `${site.type}/config`, name: `${site.name}/${configName}`, ...(site.location ? { location: site.location } : {}) };
  switch (configName.toLowerCase()) {
    case 'web': {
      const { appSettings: _a, connectionStrings: _c, ...rest } = siteConfig;
      return { ...base, properties: rest };
    }
    case 'appsettings': {
      const props: Record<string, unknown> = {};
      const list = siteConfig['appSettings'];
      if (Array.isArray(list)) for (const e of list) if (e && typeof e === 'object' && typeof e.name === 'string') props[e.name] = e.value;
      return { ...base, properties: props };
    }
    case 'connectionstrings': {
      const props: Record<string, unknown> = {};
      const list = siteConfig['connectionStrings'];
      if (Array.isArray(list)) {
        for (const e of list) {
          if (e && typeof e === 'object' && typeof e.name === 'string') props[e.name] = { value: e.connectionString ?? '', type: e.type ?? 'Custom' };
        }
      }
      return { ...base, properties: props };
    }
    case 'slotconfignames':
      return { ...base, properties: { connectionStringNames: null, appSettingNames: null, azureStorageConfigNames: null } };
    case 'authsettingsv2':
      return { ...base, properties: { platform: { enabled: false } } };
    case 'authsettings':
      return authSettingsV1View(site, storedAuthSettingsV2(store, site.id));
    case 'logs':
      return { ...base, properties: DEFAULT_LOGS_CONFIG };
    default:
      return undefined;
  }
}

const DEFAULT_LOGS_CONFIG = {
  applicationLogs: {
    fileSystem: { level: 'Off' },
    azureTableStorage: { level: 'Off', sasUrl: null },
    azureBlobStorage: { level: 'Off', sasUrl: null, retentionInDays: null },
  },
  httpLogs: {
    fileSystem: { retentionInMb: 35, retentionInDays: null, enabled: false },
    azureBlobStorage: { sasUrl: null, retentionInDays: null, enabled: false },
  },
  failedRequestsTracing: { enabled: false },
  detailedErrorMessages: { enabled: false },
};

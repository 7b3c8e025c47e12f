import { siteReadOnlyProperties } from './read-only-properties.js';
import { normalizeAuthSettings, type AuthSettings } from '../../easyauth/index.js';
import { describeError } from '../../core/index.js';
import { servicePrincipalIdFor } from '../../identity/index.js';
import { applyManagedIdentity, baseRecord, functionKey, invalid, keptListResult, leafName, previousRecord } from './common.js';
import type { ProviderContext, ResourceInput, ResourceProvider } from './types.js';
import { findKey, isObject } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import type { ResourceRecord } from '../../state/index.js';
import { authSettingsV1ToV2, V1_AS_V2 } from './web-auth-v1.js';

export const serverFarmProvider: ResourceProvider = {
  types: ['Microsoft.Web/serverfarms'],
  apply(input, ctx) {
    const record = baseRecord(input);
    applyManagedIdentity(record, ctx);
    return record;
  },
};

/** The host label App Service gives a site (`name`) or a deployment slot (`site/slot` → `site-slot`). */
export function siteHostLabel(name: string): string {
  return name.split('/').join('-').toLowerCase();
}

/**
 * `Microsoft.Web/sites` and their deployment slots (`sites/slots`): a slot is a site of its own at
 * `{site}-{slot}.azurewebsites.net`, with its own identity, configuration and authentication settings.
 */
export const siteProvider: ResourceProvider = {
  types: ['Microsoft.Web/sites', 'Microsoft.Web/sites/slots'],
  apply(input, ctx) {
    const record = baseRecord(input);
    const host = `${siteHostLabel(input.name)}.azurewebsites.net`;
    record.properties = {
      ...record.properties,
      defaultHostName: host,
      enabledHostNames: [host, `${siteHostLabel(input.name)}.scm.azurewebsites.net`],
      // Read-only: a redeployment (or `az webapp identity assign`, a PUT) leaves a stopped site stopped (`az webapp stop`).
      state: previousRecord(record, ctx)?.properties['state'] === 'Stopped' ? 'Stopped' : 'Running',
    };
    // What templates read back besides (hostNames, twin addresses, the verification id): read-only-properties.ts.
    record.properties = { ...siteReadOnlyProperties(record.id, host), ...record.properties };
    // The Functions host's keys (the host's, and those of the functions of the app's code) are minted on the first
    // listKeys() (mintListResult) or control-plane read, and a PUT of the site keeps them, as App Service does.
    const kept = functionAppKeys(previousRecord(record, ctx)?.listResults);
    if (kept !== undefined && /functionapp/i.test(input.kind ?? '')) record.listResults = kept;
    applyManagedIdentity(record, ctx);
    return record;
  },
  mintListResult(record, key, ctx, listResult) {
    if (key === APP_SETTINGS_LIST || key === CONNECTION_STRINGS_LIST) return siteConfigList(record, key);
    if (!/functionapp/i.test(record.kind ?? '')) return undefined;
    if (key === HOST_KEYS) return functionHostKeys(ctx);
    // listKeys() of `{site}/functions/{name}` that no `sites/functions` resource declares: a function of the app's code,
    // whose `default` key the host created with it (docs/behaviour/app-service.md §4). The twin keeps it on the site
    // where the control plane reads and changes it (src/runtime/control-plane/code-functions.ts codeFunctionKeysKey).
    if (CODE_FUNCTION_KEYS.test(key)) return { default: functionKey(ctx) };
    // listSecrets() of such a function: its default key and the URL that calls it with that key.
    const secrets = /^functions\/([^/]+)\/listsecrets$/.exec(key);
    if (secrets) return functionSecrets(record, secrets[1]!, undefined, listResult(`functions/${secrets[1]}/listkeys`));
    return undefined;
  },
};

/**
 * POST {site}/functions/{name}/listsecrets (REST spec WebApps_ListFunctionSecrets, `FunctionSecrets`): the function's
 * `default` key and its trigger URL `https://{host}/api/{route}?code={key}` — the key the Functions host checks, so the
 * URL a template hands on (an Event Grid webhook, a Logic App action) calls the function.
 */
function functionSecrets(site: ResourceRecord, name: string, route: string | undefined, keys: unknown): JsonObject | undefined {
  if (!isObject(keys)) return undefined;
  const key = typeof keys['default'] === 'string' ? keys['default'] : Object.values(keys).find((v): v is string => typeof v === 'string');
  if (key === undefined) return undefined;
  const host = typeof site.properties['defaultHostName'] === 'string' ? site.properties['defaultHostName'] : `${siteHostLabel(site.name)}.azurewebsites.net`;
  return { key, trigger_url: `https://${host}/api/${route ?? name}?code=${encodeURIComponent(key)}` };
}

/** The site's `listResults` slot of a code function's keys: `functions/{name}/listkeys` (lower case). */
const CODE_FUNCTION_KEYS = /^functions\/[^/]+\/listkeys$/;

/** Of a site's stored list results, the Functions host's keys (host and code functions), or undefined when none. */
function functionAppKeys(listResults: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const kept = Object.entries(listResults ?? {}).filter(([k]) => k === HOST_KEYS || CODE_FUNCTION_KEYS.test(k));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

/**
 * POST {site}/host/default/listKeys of a function app: the host's master key and `default` function key, which a
 * function app has from its creation (minted when first read, by a template's listKeys() or the control plane).
 */
export function functionHostKeys(ctx: Pick<ProviderContext, 'ids'>): JsonObject {
  return { masterKey: functionKey(ctx), functionKeys: { default: functionKey(ctx) }, systemKeys: {} };
}

const HOST_KEYS = 'host/default/listkeys';
const APP_SETTINGS_LIST = 'config/appsettings/list';
const CONNECTION_STRINGS_LIST = 'config/connectionstrings/list';

/**
 * `list('{site}/config/appsettings')` of a site whose settings no `sites/config/appsettings` resource set: App Service
 * answers the settings the site was created with (`siteConfig.appSettings` as a name → value dictionary;
 * `siteConfig.connectionStrings` as name → {value, type}), in the config resource's shape.
 */
function siteConfigList(record: ResourceRecord, key: string): JsonObject {
  const settings = key === APP_SETTINGS_LIST;
  const siteConfig = valueOf(record.properties, 'siteConfig');
  const list = isObject(siteConfig) ? valueOf(siteConfig, settings ? 'appSettings' : 'connectionStrings') : undefined;
  const properties: JsonObject = {};
  for (const item of Array.isArray(list) ? list : []) {
    if (!isObject(item) || typeof valueOf(item, 'name') !== 'string') continue;
    const name = valueOf(item, 'name') as string;
    properties[name] = settings ? (valueOf(item, 'value') ?? '') : { value: valueOf(item, 'connectionString') ?? '', type: valueOf(item, 'type') ?? 'Custom' };
  }
  const configName = settings ? 'appsettings' : 'connectionstrings';
  return { id: `${record.id}/config/${configName}`, name: configName, type: `${record.type}/config`, ...(record.location !== undefined ? { location: record.location } : {}), properties };
}

const valueOf = (o: JsonObject, k: string): unknown => {
  const key = findKey(o, k);
  return key === undefined ? undefined : o[key];
};

export const siteConfigProvider: ResourceProvider = {
  types: ['Microsoft.Web/sites/config', 'Microsoft.Web/sites/slots/config'],
  apply(input, ctx) {
    const record = baseRecord(input);
    const configName = leafName(input.name).toLowerCase();
    if (configName === 'appsettings' || configName === 'connectionstrings') {
      for (const [k, v] of Object.entries(input.properties)) {
        if (configName === 'appsettings' && typeof v !== 'string') {
          throw invalid(input, ctx, `the app setting '${k}' must be a string, not ${JSON.stringify(v)}.`);
        }
      }
    }
    if (configName === 'authsettings') {
      // Classic (V1) settings: the site serves the V2 settings App Service derives from them.
      const v2 = authSettingsV1ToV2(input.properties);
      registerAuthApp(input, ctx, validateAuthSettings(input, ctx, v2));
      record.listResults = { [V1_AS_V2]: v2 };
    }
    if (configName === 'authsettingsv2') registerAuthApp(input, ctx, validateAuthSettings(input, ctx));
    return record;
  },
};

/**
 * The app registration Easy Auth's client id names, created in the twin's directory when it is not there (as the
 * portal's express setup does). Its display name is the site's name, as Azure names it ("The app registration has the
 * same display name as your web app": App Service tutorial "Add authentication to your web app", verify limited
 * access), so `trustline directory assign --resource <site>` finds it; the origin says it was auto-created.
 */
function registerAuthApp(input: ResourceInput, ctx: ProviderContext, settings: AuthSettings): void {
  const clientId = settings.identityProviders.azureActiveDirectory?.registration.clientId;
  const siteName = siteHostLabel(input.name.split('/').slice(0, -1).join('/'));
  const existing = clientId ? ctx.tx.findDirectoryObjectByAppId(clientId) : undefined;
  // Registrations earlier versions auto-created as '<site> (auto)' take the site's name, and those without a service
  // principal get one, on the next deployment.
  if (existing?.kind === 'application' && (existing.origin ?? '').startsWith('auto-created')) {
    const renamed = existing.displayName === `${siteName} (auto)` ? siteName : existing.displayName;
    if (renamed !== existing.displayName || existing.servicePrincipalId === undefined) {
      ctx.tx.putDirectoryObject({ ...existing, displayName: renamed, servicePrincipalId: existing.servicePrincipalId ?? servicePrincipalIdFor(existing.tenantId, existing.appId) });
    }
  }
  if (clientId && !existing) {
    const siteId = input.id.replace(/\/config\/[^/]+$/i, '');
    ctx.tx.putDirectoryObject({
      kind: 'application',
      appId: clientId,
      objectId: ctx.ids.uuid(),
      identifierUris: [`api://${clientId}`],
      accessTokenAcceptedVersion: null,
      // Easy Auth's callback, as the portal's express setup registers it, plus the loopback forms the twin's
      // local listeners are reached by (Entra ignores the port of a loopback redirect URI).
      redirectUris: easyAuthRedirectUris(siteName, settings.httpSettings.routes.apiPrefix),
      displayName: siteName,
      tenantId: ctx.tenantId,
      // App Service's express set-up creates the app's service principal too (an enterprise application in the portal).
      servicePrincipalId: servicePrincipalIdFor(ctx.tenantId, clientId),
      origin: `auto-created for authsettingsV2 of ${siteId}`,
    });
    ctx.logger.info('created application registration for authsettingsV2', { appId: clientId, site: siteId });
  }
}

/** `Microsoft.Web/sites/functions`: stored as given; listKeys() answers its default function key (kept on redeploy). */
export const siteFunctionProvider: ResourceProvider = {
  types: ['Microsoft.Web/sites/functions'],
  apply(input, ctx) {
    const record = baseRecord(input);
    const previous = previousRecord(record, ctx);
    record.listResults = { listkeys: keptListResult(previous, 'listkeys', () => ({ default: functionKey(ctx) })) };
    return record;
  },
  mintListResult(record, key, ctx, listResult) {
    if (key !== 'listsecrets') return undefined;
    const [siteName, name] = record.name.split('/');
    const siteId = record.id.replace(/\/functions\/[^/]+$/i, '');
    const site = ctx.tx.getResource(siteId) ?? { id: siteId, type: 'Microsoft.Web/sites', name: siteName!, properties: {} };
    return functionSecrets(site, name!, httpRoute(record.properties), listResult('listkeys'));
  },
};

/** The route of a declared function's HTTP trigger (`properties.config.bindings[].route`), if it sets one. */
function httpRoute(properties: JsonObject): string | undefined {
  const config = valueOf(properties, 'config');
  const bindings = isObject(config) ? valueOf(config, 'bindings') : undefined;
  const trigger = Array.isArray(bindings) ? bindings.find((b) => isObject(b) && String(valueOf(b, 'type') ?? '').toLowerCase() === 'httptrigger') : undefined;
  const route = isObject(trigger) ? valueOf(trigger, 'route') : undefined;
  return typeof route === 'string' && route !== '' ? route : undefined;
}

export const webProviders: ResourceProvider[] = [serverFarmProvider, siteProvider, siteConfigProvider, siteFunctionProvider];

/**
 * App Service rejects an authsettingsV2 body it cannot read (400), so a deployment carrying one fails here,
 * before anything is written. Both the flat and the 2020-xx nested shapes are read, as the site will.
 */
function validateAuthSettings(input: ResourceInput, ctx: ProviderContext, settings: unknown = input.properties): AuthSettings {
  try {
    return normalizeAuthSettings(settings);
  } catch (e) {
    throw invalid(input, ctx, `the authentication settings are not valid: ${describeError(e)}`);
  }
}

/** The redirect URIs an auto-created registration gets for a site's Easy Auth login callback. */
export function easyAuthRedirectUris(siteName: string, apiPrefix: string): string[] {
  const path = `${apiPrefix}/login/aad/callback`;
  return [
    `https://${siteName.toLowerCase()}.azurewebsites.net${path}`,
    ...['https', 'http'].flatMap((scheme) => ['127.0.0.1', 'localhost'].map((host) => `${scheme}://${host}${path}`)),
  ];
}

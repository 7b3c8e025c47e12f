import type { Store } from '../../state/index.js';
import { RESOURCES_API_VERSIONS } from './api-version.js';

export interface TwinEndpoints {
  /** The control plane's own URL (`https://127.0.0.1:P`), no trailing slash. */
  resourceManager: string;
  /** The identity listener's https URL (the authority host), no trailing slash. */
  login: string;
  tenantId: string;
  subscriptionId: string;
  location: string;
}

/** The audiences ARM accepts in tokens (`metadata/endpoints` `authentication.audiences`). */
export function managementAudiences(resourceManager: string): string[] {
  return ['https://management.core.windows.net/', 'https://management.azure.com/', `${resourceManager}/`];
}

/** The cloud's name in `metadata/endpoints`; `az cloud register -n` must use the same name. */
export const CLOUD_NAME = 'Trustline';

/**
 * `GET /metadata/endpoints`: `2015-01-01` answers the single-cloud object msrestazure reads for
 * `az cloud register --endpoint-resource-manager`; later versions answer the cloud list that
 * `ARM_CLOUD_METADATA_URL` loads (azure-cli `cloud.py`).
 */
export function metadataEndpoints(e: TwinEndpoints, apiVersion: string): unknown {
  const audiences = managementAudiences(e.resourceManager);
  if (apiVersion === '2015-01-01') {
    return {
      galleryEndpoint: `${e.resourceManager}/`,
      graphEndpoint: 'https://graph.windows.net/',
      portalEndpoint: `${e.resourceManager}/`,
      authentication: { loginEndpoint: `${e.login}/`, audiences },
    };
  }
  return [
    {
      portal: `${e.resourceManager}/`,
      authentication: { loginEndpoint: `${e.login}/`, audiences, tenant: 'common', identityProvider: 'AAD' },
      media: 'https://rest.media.azure.net',
      graphAudience: 'https://graph.windows.net/',
      graph: 'https://graph.windows.net/',
      name: CLOUD_NAME,
      suffixes: {
        azureDataLakeStoreFileSystem: 'azuredatalakestore.net',
        acrLoginServer: 'azurecr.io',
        sqlServerHostname: 'database.windows.net',
        azureDataLakeAnalyticsCatalogAndJob: 'azuredatalakeanalytics.net',
        keyVaultDns: 'vault.azure.net',
        storage: 'core.windows.net',
        azureFrontDoorEndpointSuffix: 'azurefd.net',
        storageSyncEndpointSuffix: 'afs.azure.net',
        mhsmDns: 'managedhsm.azure.net',
        mysqlServerEndpoint: 'mysql.database.azure.com',
        postgresqlServerEndpoint: 'postgres.database.azure.com',
        mariadbServerEndpoint: 'mariadb.database.azure.com',
        synapseAnalytics: 'dev.azuresynapse.net',
        attestationEndpoint: 'attest.azure.net',
      },
      batch: 'https://batch.core.windows.net/',
      resourceManager: `${e.resourceManager}/`,
      vmImageAliasDoc: `${e.resourceManager}/`,
      activeDirectoryDataLake: 'https://datalake.azure.net/',
      sqlManagement: 'https://management.core.windows.net:8443/',
      microsoftGraphResourceId: 'https://graph.microsoft.com/',
      appInsightsResourceId: 'https://api.applicationinsights.io',
      appInsightsTelemetryChannelResourceId: 'https://dc.applicationinsights.azure.com/v2/track',
      attestationResourceId: 'https://attest.azure.net',
      synapseAnalyticsResourceId: 'https://dev.azuresynapse.net',
      logAnalyticsResourceId: 'https://api.loganalytics.io',
      ossrDbmsResourceId: 'https://ossrdbms-aad.database.windows.net',
    },
  ];
}

export function subscriptionView(e: TwinEndpoints): Record<string, unknown> {
  return {
    id: `/subscriptions/${e.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: e.subscriptionId,
    tenantId: e.tenantId,
    displayName: 'Trustline',
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  };
}

export function tenantView(e: TwinEndpoints): Record<string, unknown> {
  return {
    id: `/tenants/${e.tenantId}`,
    tenantId: e.tenantId,
    countryCode: 'US',
    displayName: 'Trustline',
    domains: ['trustline.onmicrosoft.com'],
    tenantCategory: 'Home',
    defaultDomain: 'trustline.onmicrosoft.com',
    tenantType: 'AAD',
  };
}

/**
 * API versions the twin names for a provider's types: the versions its stored resources were deployed
 * with, and for Microsoft.Resources ARM's own list. Other versions are accepted too (api-version.ts).
 */
export function knownApiVersions(store: Store, type: string): string[] {
  if (/^microsoft\.resources\//i.test(type)) return [...RESOURCES_API_VERSIONS];
  const seen = new Set<string>();
  for (const r of store.listResources({ type })) if (r.apiVersion) seen.add(r.apiVersion);
  return [...seen].sort().reverse();
}

/** `GET /subscriptions/{s}/providers/{ns}` (`Provider`): registered, with the types the twin supports. */
export function providerView(store: Store, e: TwinEndpoints, namespace: string, supportedTypes: string[]): Record<string, unknown> | undefined {
  const types = supportedTypes.filter((t) => t.toLowerCase().startsWith(namespace.toLowerCase() + '/'));
  const extra = namespace.toLowerCase() === 'microsoft.resources' ? ['Microsoft.Resources/deployments', 'Microsoft.Resources/resourceGroups', 'Microsoft.Resources/subscriptions', 'Microsoft.Resources/tenants'] : [];
  const all = [...types, ...extra];
  if (all.length === 0) return undefined;
  const ns = all[0]!.split('/')[0]!;
  return {
    id: `/subscriptions/${e.subscriptionId}/providers/${ns}`,
    namespace: ns,
    registrationState: 'Registered',
    registrationPolicy: 'RegistrationRequired',
    resourceTypes: all.map((t) => ({
      resourceType: t.split('/').slice(1).join('/'),
      locations: [e.location],
      apiVersions: knownApiVersions(store, t),
      capabilities: 'None',
    })),
  };
}

export function namespacesOf(supportedTypes: string[]): string[] {
  return [...new Set(['Microsoft.Resources', ...supportedTypes.map((t) => t.split('/')[0]!)])];
}

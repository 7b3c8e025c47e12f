import type { ResourceRecord } from '../../state/index.js';
import { SPEC_WRITE_ONLY } from './write-only-table.js';
import { guidOf, hash, leaf, regionOf, resourceGroupOf, subscriptionOf, twinPublicIp } from './twin-values.js';

/**
 * Computed read-only properties as data: for each type (lower case), the properties its resource provider adds to a
 * GET (the `readOnly` properties of the type's REST spec in azure-rest-api-specs that templates read back), each as a
 * value shape. A key with dots is a path (`bgpSettings.bgpPeeringAddress`); a property the template sets itself is
 * never replaced. Strings take placeholders:
 *   {name} the last name segment, {lname} the same in lower case, {parent} the first name segment,
 *   {location} the region (`westeurope`), {sub}, {rg}, {id}, {eid} (the id URL-encoded as `%2f`), {tenant},
 *   {guid} / {guid:label} a GUID, {ip} / {ip:label} a public address, {hex:n} / {hex:n:label} n hex digits
 *   (twin values derived from the resource id, docs/differences.md).
 * A function entry computes what depends on the body (the SKU, the data location).
 */
type Shape = string | number | boolean | null | Shape[] | { [key: string]: Shape };
type Props = Record<string, unknown>;
interface Ctx {
  r: ResourceRecord;
  p: Props;
  tenantId: string;
}
type Entry = Record<string, Shape | ((c: Ctx) => Shape | undefined)>;

/** An APIM service's host names ([D] the REST spec's ApiManagementServiceProperties examples: `{name}.portal.azure-api.net`…). */
export function apimServiceUrls(name: string, location: string): Record<string, string> {
  return {
    gatewayUrl: `https://${name}.azure-api.net`,
    gatewayRegionalUrl: `https://${name}-${location}-01.regional.azure-api.net`,
    portalUrl: `https://${name}.portal.azure-api.net`,
    developerPortalUrl: `https://${name}.developer.azure-api.net`,
    managementApiUrl: `https://${name}.management.azure-api.net`,
    scmUrl: `https://${name}.scm.azure-api.net`,
  };
}

/**
 * An APIM service's `hostnameConfigurations` as its GET answers them: the built-in gateway host name first
 * (`{name}.azure-api.net`, `certificateSource: BuiltIn`; [obs] `az apim show` and portal-exported templates of
 * services created without host names show exactly this one `Proxy` entry), then the custom host names the template
 * gave, as given. The built-in entry is the default SSL binding unless a custom `Proxy` entry claims it.
 */
export function apimHostnameConfigurations(name: string, given: unknown): unknown[] {
  const custom = Array.isArray(given) ? given : [];
  const builtIn = `${name}.azure-api.net`.toLowerCase();
  const isObj = (h: unknown): h is Props => h !== null && typeof h === 'object' && !Array.isArray(h);
  if (custom.some((h) => isObj(h) && String(get(h, 'hostName') ?? '').toLowerCase() === builtIn)) return custom;
  const claimed = custom.some((h) => isObj(h) && String(get(h, 'type') ?? '').toLowerCase() === 'proxy' && get(h, 'defaultSslBinding') === true);
  return [{ type: 'Proxy', hostName: `${name}.azure-api.net`, negotiateClientCertificate: false, defaultSslBinding: !claimed, certificateSource: 'BuiltIn' }, ...custom];
}

/** Digital Twins host names carry a region code (`{name}.api.wcus.digitaltwins.azure.net`); other regions: the region's name [I]. */
const REGION_CODES: Record<string, string> = {
  westcentralus: 'wcus', westus2: 'wus2', westus3: 'wus3', eastus: 'eus', eastus2: 'eus2', centralus: 'cus', southcentralus: 'scus',
  northeurope: 'neu', westeurope: 'weu', uksouth: 'uks', australiaeast: 'aue', southeastasia: 'sea', japaneast: 'jpe',
};

const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((cur, k) => {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    const key = Object.keys(cur as Props).find((x) => x.toLowerCase() === k.toLowerCase());
    return key === undefined ? undefined : (cur as Props)[key];
  }, o);

const skuName = (c: Ctx) => String(get(c.r.sku, 'name') ?? '');

export const READ_ONLY_TABLE: Record<string, Entry> = {
  // Azure Cache for Redis geo-replication: the link's host names (REST spec RedisLinkedServerProperties examples:
  // `cache1.geo.redis.cache.windows.net` for the primary's geo name, the linked cache's own host name).
  'microsoft.cache/redis/linkedservers': {
    primaryHostName: '{lname}.redis.cache.windows.net',
    geoReplicatedPrimaryHostName: '{parent}.geo.redis.cache.windows.net',
  },
  // Azure Managed Redis (Balanced/MemoryOptimized/ComputeOptimized/FlashOptimized SKUs): `{name}.{region}.redis.azure.net`;
  // Redis Enterprise (Enterprise_/EnterpriseFlash_ SKUs): `{name}.{region}.redisenterprise.cache.azure.net`.
  'microsoft.cache/redisenterprise': {
    hostName: (c) => (/^enterprise/i.test(skuName(c)) ? '{lname}.{location}.redisenterprise.cache.azure.net' : '{lname}.{location}.redis.azure.net'),
    redisVersion: '7.4',
  },
  'microsoft.cache/redisenterprise/databases': { port: 10000 },
  // Batch: `{account}.{region}.batch.azure.com` (REST spec BatchAccount example `sampleacct.japaneast.batch.azure.com`).
  // Cognitive Services accounts and Foundry projects: `internalId`, 32 hex digits (readOnly in the REST spec's
  // AccountProperties / ProjectProperties). Foundry agent templates cut it 8-4-4-4-12 into the project's workspace GUID.
  'microsoft.cognitiveservices/accounts': { internalId: '{hex:32}' },
  'microsoft.cognitiveservices/accounts/projects': { internalId: '{hex:32}' },
  'microsoft.batch/batchaccounts': { accountEndpoint: '{lname}.{location}.batch.azure.com', nodeManagementEndpoint: '{hex:10}.{location}.service.batch.azure.com' },
  // Communication Services: `{name}.{data location}.communication.azure.com` (Learn: `https://<resource>.unitedstates.communication.azure.com`).
  'microsoft.communication/communicationservices': {
    hostName: (c) => `{lname}.${String(get(c.p, 'dataLocation') ?? 'United States').toLowerCase().replace(/\s+/g, '')}.communication.azure.com`,
    immutableResourceId: '{guid:immutable}',
  },
  // Email domains: the DNS records to create (Learn "add custom verified domains": SPF include, two azurecomm DKIM selectors).
  'microsoft.communication/emailservices/domains': {
    fromSenderDomain: '{name}',
    mailFromSenderDomain: '{name}',
    verificationRecords: {
      Domain: { type: 'TXT', name: '{name}', value: 'ms-domain-verification={guid:domain}', ttl: 3600 },
      SPF: { type: 'TXT', name: '{name}', value: 'v=spf1 include:spf.protection.outlook.com -all', ttl: 3600 },
      DKIM: { type: 'CNAME', name: 'selector1-azurecomm-prod-net._domainkey', value: 'selector1-azurecomm-prod-net._domainkey.azurecomm.net', ttl: 3600 },
      DKIM2: { type: 'CNAME', name: 'selector2-azurecomm-prod-net._domainkey', value: 'selector2-azurecomm-prod-net._domainkey.azurecomm.net', ttl: 3600 },
      DMARC: { type: 'TXT', name: '_dmarc.{name}', value: 'v=DMARC1; p=none;', ttl: 3600 },
    },
  },
  // Dev Center: `https://{tenant id}-{name}.{region}.devcenter.azure.com/` (REST spec DevCenter example).
  'microsoft.devcenter/devcenters': { devCenterUri: 'https://{tenant}-{lname}.{location}.devcenter.azure.com/' },
  'microsoft.devtestlab/labs': {
    uniqueIdentifier: '{guid:lab}',
    vaultName: '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{lname}{hex:4}',
    defaultStorageAccount: '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/a{hex:10}',
    artifactsStorageAccount: '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/a{hex:10}',
  },
  // Digital Twins: `{name}.api.{region code}.digitaltwins.azure.net` (REST spec example `….api.wcus.digitaltwins.azure.net`).
  'microsoft.digitaltwins/digitaltwinsinstances': {
    hostName: (c) => `{lname}.api.${REGION_CODES[regionOf(c.r)] ?? regionOf(c.r)}.digitaltwins.azure.net`,
  },
  // Elastic SAN: each volume is an iSCSI target on the SAN's portal (port 3260).
  'microsoft.elasticsan/elasticsans/volumegroups/volumes': {
    volumeId: '{guid:volume}',
    storageTarget: {
      targetIqn: 'iqn.2023-05.net.windows.core.blob.ElasticSan.es-{hex:12}:{lname}',
      targetPortalHostname: 'es-{hex:12}.z1.blob.storage.azure.net',
      targetPortalPort: 3260,
      provisioningState: 'Succeeded',
      status: 'Running',
    },
  },
  // Purview: the managed resource group (`managedResourceGroupName`, default `managed-rg-{name}`) with its storage account and Event Hubs namespace.
  'microsoft.purview/accounts': {
    managedResourceGroupName: 'managed-rg-{name}',
    managedResources: (c) => {
      const group = `/subscriptions/{sub}/resourceGroups/${String(get(c.p, 'managedResourceGroupName') ?? 'managed-rg-{name}')}`;
      return { resourceGroup: group, storageAccount: `${group}/providers/Microsoft.Storage/storageAccounts/scan{location}{hex:4}`, eventHubNamespace: `${group}/providers/Microsoft.EventHub/namespaces/Atlas-{guid:atlas}` };
    },
    endpoints: { catalog: 'https://{lname}.purview.azure.com/catalog', guardian: 'https://{lname}.purview.azure.com/guardian', scan: 'https://{lname}.purview.azure.com/scan' },
  },
  // Container Apps dynamic sessions: `https://{region}.dynamicsessions.io/subscriptions/{sub}/resourceGroups/{rg}/sessionPools/{name}`.
  'microsoft.app/sessionpools': { poolManagementEndpoint: 'https://{location}.dynamicsessions.io/subscriptions/{sub}/resourceGroups/{rg}/sessionPools/{name}' },
  // Application Gateway for Containers: the configuration endpoint and each frontend's generated FQDN (`{hex}.fz{n}.alb.azure.com`).
  'microsoft.servicenetworking/trafficcontrollers': { configurationEndpoints: ['{hex:16}.trafficcontroller.azure.net'] },
  'microsoft.servicenetworking/trafficcontrollers/frontends': { fqdn: '{hex:16}.fz{hex:2:zone}.alb.azure.com' },
  // SignalR / Web PubSub: host name, the service's public address and ports.
  'microsoft.signalrservice/signalr': { externalIP: '{ip}', hostNamePrefix: '{lname}', publicPort: 443, serverPort: 443 },
  'microsoft.signalrservice/webpubsub': { hostName: '{lname}.webpubsub.azure.com', externalIP: '{ip}', hostNamePrefix: '{lname}', publicPort: 443, serverPort: 443 },
  // Object replication: the destination account mints the policy id (and each rule id) when the policy is named `default`.
  'microsoft.storage/storageaccounts/objectreplicationpolicies': {
    policyId: (c) => (leaf(c.r.name).toLowerCase() === 'default' ? '{guid:policy}' : '{name}'),
    enabledTime: '2024-01-01T00:00:00.0000000Z',
  },
  // Synapse: the workspace's endpoints (Learn: `{name}.sql.azuresynapse.net`, `{name}-ondemand.sql.azuresynapse.net`, `{name}.dev.azuresynapse.net`).
  'microsoft.synapse/workspaces': {
    workspaceUID: '{guid:workspace}',
    connectivityEndpoints: {
      web: 'https://web.azuresynapse.net?workspace={eid}',
      dev: 'https://{lname}.dev.azuresynapse.net',
      sqlOnDemand: '{lname}-ondemand.sql.azuresynapse.net',
      sql: '{lname}.sql.azuresynapse.net',
    },
  },
  // Databricks: the managed storage account the RP names when the template gives none (`dbstorage` + 13 characters).
  'microsoft.databricks/workspaces': { 'parameters.storageAccountName': { type: 'String', value: 'dbstorage{hex:13}' } },
  // AKS workload identity: the cluster's OIDC issuer (`https://{region}.oic.prod-aks.azure.com/{tenant}/{guid}/`) when enabled.
  'microsoft.containerservice/managedclusters': {
    'oidcIssuerProfile.issuerURL': (c) => (get(c.p, 'oidcIssuerProfile.enabled') === true ? 'https://{location}.oic.prod-aks.azure.com/{tenant}/{guid:oidc}/' : undefined),
    azurePortalFQDN: (c) => (typeof get(c.p, 'dnsPrefix') === 'string' ? `${String(get(c.p, 'dnsPrefix'))}-{hex:8}.portal.hcp.{location}.azmk8s.io` : undefined),
  },
  // IoT Hub: the built-in Event Hubs-compatible endpoint of the `events` route (`sb://iothub-ns-{hub}-{n}-{hex}.servicebus.windows.net/`, path = the hub's name).
  'microsoft.devices/iothubs': {
    'eventHubEndpoints.events.endpoint': 'sb://iothub-ns-{lname}-{hex:7:ns}.servicebus.windows.net/',
    'eventHubEndpoints.events.path': '{lname}',
    'eventHubEndpoints.events.partitionIds': ['0', '1', '2', '3'],
  },
  // Virtual WAN: a hub's router addresses and ASN; a hub firewall's private address in the hub.
  'microsoft.network/virtualhubs': { virtualRouterIps: ['10.0.0.68', '10.0.0.69'], virtualRouterAsn: 65515 },
  'microsoft.network/azurefirewalls': {
    'hubIPAddresses.privateIPAddress': (c) => (get(c.p, 'virtualHub') === undefined ? undefined : '10.0.0.132'),
    'hubIPAddresses.publicIPs.addresses': (c) => (get(c.p, 'virtualHub') === undefined ? undefined : Array.from({ length: Number(get(c.p, 'hubIPAddresses.publicIPs.count') ?? 1) || 1 }, (_, i) => ({ address: `{ip:hub${i}}` }))),
  },
  // Private Link service: its alias (`{name}.{guid}.{region}.azure.privatelinkservice`).
  'microsoft.network/privatelinkservices': { alias: '{name}.{guid:alias}.{location}.azure.privatelinkservice' },
  // Public IP prefix: a block of the twin's public range with the requested length.
  'microsoft.network/publicipprefixes': { ipPrefix: (c) => `${twinPublicIp(`${c.r.id}|prefix`).replace(/\.\d+$/, '.0')}/${Number(get(c.p, 'prefixLength') ?? 28)}` },
  // Compute: the ids the platform mints.
  'microsoft.compute/virtualmachines': { vmId: '{guid:vm}', timeCreated: '2024-01-01T00:00:00.0000000+00:00' },
  'microsoft.compute/virtualmachinescalesets': { uniqueId: '{guid:vmss}', timeCreated: '2024-01-01T00:00:00.0000000+00:00' },
  'microsoft.compute/disks': { uniqueId: '{guid:disk}', diskState: 'Unattached' },
  // Automation: the DSC/hybrid worker registration URL (`https://{guid}.agentsvc.{region}.azure-automation.net/accounts/{guid}`).
  'microsoft.automation/automationaccounts': { registrationUrl: 'https://{guid:account}.agentsvc.{location}.azure-automation.net/accounts/{guid:account}' },
  // HDInsight: the SSH and HTTPS endpoints (`{name}-ssh.azurehdinsight.net`, `{name}.azurehdinsight.net`).
  'microsoft.hdinsight/clusters': {
    clusterId: '{hex:32}',
    connectivityEndpoints: [
      { name: 'SSH', protocol: 'TCP', location: '{lname}-ssh.azurehdinsight.net', port: 22 },
      { name: 'HTTPS', protocol: 'TCP', location: '{lname}.azurehdinsight.net', port: 443 },
    ],
  },
  // Azure Maps: the account's client id (`x-ms-client-id`).
  'microsoft.maps/accounts': { uniqueId: '{guid:client}' },
  // Azure Machine Learning: the workspace's discovery and MLflow tracking URLs.
  'microsoft.machinelearningservices/workspaces': {
    discoveryUrl: 'https://{location}.api.azureml.ms/discovery',
    mlFlowTrackingUri: 'azureml://{location}.api.azureml.ms/mlflow/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{name}',
  },
  // Logic Apps: the workflow's access endpoint (`https://prod-00.{region}.logic.azure.com:443/workflows/{32 hex}`).
  'microsoft.logic/workflows': { accessEndpoint: 'https://prod-00.{location}.logic.azure.com:443/workflows/{hex:32}' },
  // Azure Monitor: data collection endpoints and rules (the rule's `immutableId` is what the Logs Ingestion API takes).
  'microsoft.insights/datacollectionendpoints': {
    'logsIngestion.endpoint': 'https://{lname}-{hex:4}.{location}-1.ingest.monitor.azure.com',
    'configurationAccess.endpoint': 'https://{lname}-{hex:4}.{location}-1.handler.control.monitor.azure.com',
    'metricsIngestion.endpoint': 'https://{lname}-{hex:4}.{location}-1.metrics.ingest.monitor.azure.com',
  },
  'microsoft.insights/datacollectionrules': { immutableId: 'dcr-{hex:32}' },
  'microsoft.monitor/accounts': {
    accountId: '{guid:account}',
    'metrics.prometheusQueryEndpoint': 'https://{lname}-{hex:4}.{location}.prometheus.monitor.azure.com',
    'metrics.internalId': 'mac_{guid:account}',
  },
  'microsoft.dashboard/grafana': { endpoint: 'https://{lname}-{hex:10}.{location}.grafana.azure.com', grafanaVersion: '11' },
  // Key Vault Managed HSM: `https://{name}.managedhsm.azure.net/`.
  'microsoft.keyvault/managedhsms': { hsmUri: 'https://{lname}.managedhsm.azure.net/' },
  // SQL Managed Instance: `{name}.{dns zone}.database.windows.net` (the zone is 12 characters the platform picks).
  'microsoft.sql/managedinstances': { dnsZone: '{hex:12}', fullyQualifiedDomainName: '{lname}.{hex:12}.database.windows.net' },
  // Service Fabric managed clusters: `{dnsName}.{region}.cloudapp.azure.com`.
  'microsoft.servicefabric/managedclusters': {
    clusterId: '{guid:cluster}',
    fqdn: (c) => `${String(get(c.p, 'dnsName') ?? '{lname}')}.{location}.cloudapp.azure.com`,
  },
  // Container Apps: the latest revision's name and FQDN (`{app}--{suffix}`).
  'microsoft.app/containerapps': {
    latestRevisionName: '{name}--{hex:7}',
    latestRevisionFqdn: (c) => (get(c.p, 'configuration.ingress') === undefined ? undefined : '{lname}--{hex:7}.{hex:12}.{location}.azurecontainerapps.io'),
    outboundIpAddresses: ['{ip:out0}'],
  },
  // Virtual WAN VPN gateways: two instances, each with a public and a private address; BGP on the hub's range.
  'microsoft.network/vpngateways': {
    ipConfigurations: [
      { id: 'Instance0', publicIpAddress: '{ip:0}', privateIpAddress: '10.0.0.12' },
      { id: 'Instance1', publicIpAddress: '{ip:1}', privateIpAddress: '10.0.0.13' },
    ],
    'bgpSettings.asn': 65515,
    'bgpSettings.bgpPeeringAddress': '10.0.0.12,10.0.0.13',
    'bgpSettings.peerWeight': 0,
    'bgpSettings.bgpPeeringAddresses': [
      { ipconfigurationId: 'Instance0', defaultBgpIpAddresses: ['10.0.0.12'], customBgpIpAddresses: [], tunnelIpAddresses: ['{ip:0}'] },
      { ipconfigurationId: 'Instance1', defaultBgpIpAddresses: ['10.0.0.13'], customBgpIpAddresses: [], tunnelIpAddresses: ['{ip:1}'] },
    ],
  },
};

function fill(shape: Shape, c: Ctx): Shape {
  if (typeof shape === 'string') {
    return shape.replace(/\{(name|lname|parent|location|sub|rg|id|eid|tenant|guid|ip|hex)(?::([^:}]+))?(?::([^}]+))?\}/g, (_m, k: string, a?: string, b?: string) => {
      const { r } = c;
      switch (k) {
        case 'name':
          return leaf(r.name);
        case 'lname':
          return leaf(r.name).toLowerCase();
        case 'parent':
          return r.name.split('/')[0] ?? '';
        case 'location':
          return regionOf(r);
        case 'sub':
          return subscriptionOf(r.id);
        case 'rg':
          return resourceGroupOf(r.id);
        case 'id':
          return r.id;
        case 'eid':
          return encodeURIComponent(r.id).replace(/%2F/g, '%2f');
        case 'tenant':
          return c.tenantId;
        case 'guid':
          return guidOf(r.id, a ?? '');
        case 'ip':
          return a === undefined ? twinPublicIp(r.id) : twinPublicIp(`${r.id}|${a}`);
        default:
          return hash(b === undefined ? r.id : `${r.id}|${b}`, Number(a ?? 8));
      }
    });
  }
  if (Array.isArray(shape)) return shape.map((x) => fill(x, c));
  if (shape !== null && typeof shape === 'object') return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, fill(v, c)]));
  return shape;
}

/** Set `value` at the dotted `path` of `o` unless the template set it (intermediate objects are created). */
function setDefaultPath(o: Props, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = o;
  for (const [i, k] of keys.entries()) {
    const existing = Object.keys(cur).find((x) => x.toLowerCase() === k.toLowerCase());
    if (i === keys.length - 1) {
      if (existing === undefined) cur[k] = value;
      return;
    }
    const next = existing === undefined ? undefined : cur[existing];
    if (next === null || next === undefined) cur = cur[existing ?? k] = {};
    else if (typeof next === 'object' && !Array.isArray(next)) cur = next as Props;
    else return;
  }
}

/** Add the table's read-only properties of `record`'s type (in place). */
export function addTableProperties(record: ResourceRecord, tenantId: string): void {
  const entry = READ_ONLY_TABLE[record.type.toLowerCase()];
  if (!entry) return;
  const c: Ctx = { r: record, p: record.properties, tenantId };
  for (const [path, shape] of Object.entries(entry)) {
    const value = typeof shape === 'function' ? shape(c) : shape;
    if (value !== undefined) setDefaultPath(record.properties, path, fill(value, c));
  }
}

/**
 * What a resource that expansion presumes to exist has besides its properties, for types where Azure always has it:
 * the SKU and kind the REST spec requires (values: the az CLI's defaults for the create command, where it has one),
 * and a system-assigned identity where the feature that templates configure on the resource needs one.
 */
export const PRESUMED: Record<string, { sku?: Props; kind?: string; identity?: true }> = {
  // `az sql db create`: General Purpose, Gen5, 2 vCores.
  'microsoft.sql/servers/databases': { sku: { name: 'GP_Gen5', tier: 'GeneralPurpose', family: 'Gen5', capacity: 2 } },
  // `az storage account create`: `--sku Standard_RAGRS`, `--kind StorageV2`.
  'microsoft.storage/storageaccounts': { sku: { name: 'Standard_RAGRS', tier: 'Standard' }, kind: 'StorageV2' },
  // `az servicebus namespace create` / `az eventhubs namespace create`: `--sku Standard`.
  'microsoft.servicebus/namespaces': { sku: { name: 'Standard', tier: 'Standard' } },
  'microsoft.eventhub/namespaces': { sku: { name: 'Standard', tier: 'Standard', capacity: 1 } },
  // `az apim create`: `--sku-name Developer`, `--sku-capacity 1` (a classic tier: the built-in products and groups).
  'microsoft.apimanagement/service': { sku: { name: 'Developer', capacity: 1 } },
  // Azure Managed Redis: `sku` is required and has no CLI default; Balanced_B5 is the portal's default [I].
  'microsoft.cache/redisenterprise': { sku: { name: 'Balanced_B5' } },
  // Arc-enabled servers get a system-assigned identity when they connect.
  'microsoft.hybridcompute/machines': { identity: true },
  // Backup instances are protected with the vault's managed identity; API Center imports from APIM with the service's;
  // a managed instance's vulnerability assessment writes to storage with the instance's.
  'microsoft.dataprotection/backupvaults': { identity: true },
  'microsoft.apicenter/services': { identity: true },
  'microsoft.sql/managedinstances': { identity: true },
};

/**
 * Microsoft's first-party service principals as every tenant has them, for an `existing` Microsoft Graph
 * `servicePrincipals` resource that expansion presumes (keyed by appId): the permissions templates look up by value.
 * Microsoft Graph (00000003-0000-0000-c000-000000000000): the delegated scopes and application roles app
 * registrations for Easy Auth ask for, with their published ids ("Microsoft Graph permissions reference";
 * `User.Read` e1fe6dd8-… as in Graph's delegatedPermissionClassifications example).
 */
export const FIRST_PARTY_SERVICE_PRINCIPALS: Record<string, Props> = {
  '00000003-0000-0000-c000-000000000000': {
    displayName: 'Microsoft Graph',
    servicePrincipalType: 'Application',
    oauth2PermissionScopes: [
      ['e1fe6dd8-ba31-4d61-89e7-88639da4683d', 'User.Read', 'User'],
      ['b340eb25-3456-403f-be2f-af7a0d370277', 'User.ReadBasic.All', 'User'],
      ['37f7f235-527c-4136-accd-4a02d197296e', 'openid', 'User'],
      ['14dad69e-099b-42c9-810b-d002981feec1', 'profile', 'User'],
      ['64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', 'email', 'User'],
      ['7427e0e9-2fba-42fe-b0c0-848c9e6a8182', 'offline_access', 'User'],
    ].map(([id, value, type]) => ({ id, value, type, isEnabled: true })),
    appRoles: [
      ['df021288-bdef-4463-88db-98f22de89214', 'User.Read.All'],
      ['7ab1d382-f21e-4acd-a863-ba3e13f7da61', 'Directory.Read.All'],
    ].map(([id, value]) => ({ id, value, allowedMemberTypes: ['Application'], isEnabled: true })),
  },
};

/**
 * Write-only properties: what a resource provider accepts in a PUT body and never answers in a GET, so `reference()`
 * (ARM evaluates it over the provider's GET answer) does not have them, and a template that reads one fails as it
 * does in Azure. The twin keeps the value (the runtime needs it); only the views that templates and the control
 * plane's GET read drop it. Paths are relative to `properties`; dots step into objects, `[]` into every array item.
 * Most entries come from the REST specs (write-only-table.ts, generated); these are the ones the specs do not mark.
 */
const WRITE_ONLY_BY_HAND: Record<string, readonly string[]> = {
  // Key Vault secrets: the REST spec's SecretProperties.value is never returned by the service (the model serves ARM
  // deployments; the secret is read through the data plane) — docs/behaviour/arm.md "Write-only properties".
  'microsoft.keyvault/vaults/secrets': ['value'],
  // API import inputs: the REST spec's GET contract (ApiContractProperties) has none of the create body's
  // `format`, `value`, `wsdlSelector`, `apiType`, `translateRequiredQueryParameters` (x-ms-mutability create/update);
  // an imported API is answered with its `type`, path and operations.
  'microsoft.apimanagement/service/apis': ['value', 'format', 'wsdlSelector', 'apiType', 'translateRequiredQueryParameters'],
  'microsoft.apimanagement/service/workspaces/apis': ['value', 'format', 'wsdlSelector', 'apiType', 'translateRequiredQueryParameters'],
};

export const WRITE_ONLY: Readonly<Record<string, readonly string[]>> = { ...SPEC_WRITE_ONLY, ...WRITE_ONLY_BY_HAND };

/**
 * `properties` without the write-only properties of `type`. The argument is never changed: a type with write-only
 * properties gets a copy, every other type its own object back (GET lists answer many resources).
 */
export function withoutWriteOnly(type: string, given: Props): Props {
  const paths = WRITE_ONLY[type.toLowerCase()];
  if (paths === undefined) return given;
  const properties = structuredClone(given);
  for (const path of paths) dropPath(properties, path.split('.'));
  return properties;
}

/** Deletes the property at `steps` (case-insensitive names, as ARM reads properties; `name[]` steps into each item). */
function dropPath(at: unknown, steps: readonly string[]): void {
  if (at === null || typeof at !== 'object' || Array.isArray(at)) return;
  const [step, ...rest] = steps as [string, ...string[]];
  const each = step.endsWith('[]');
  const name = (each ? step.slice(0, -2) : step).toLowerCase();
  const key = Object.keys(at).find((k) => k.toLowerCase() === name);
  if (key === undefined) return;
  const value = (at as Props)[key];
  if (rest.length === 0 && !each) { delete (at as Props)[key]; return; }
  if (each) {
    if (Array.isArray(value) && rest.length > 0) for (const item of value) dropPath(item, rest);
    return;
  }
  dropPath(value, rest);
}

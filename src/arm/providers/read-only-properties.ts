import { createHash } from 'node:crypto';
import type { ResourceRecord } from '../../state/index.js';
import { addTableProperties, apimHostnameConfigurations, apimServiceUrls, PRESUMED } from './read-only-table.js';
import { guidOf, hash, leaf, regionOf, resourceGroupOf, subscriptionOf, twinPublicIp } from './twin-values.js';

/**
 * Read-only properties that Azure's resource providers compute and templates read back with reference()
 * (`dnsSettings.fqdn` of a public IP, `fullyQualifiedDomainName` of a SQL server, `loginServer` of a
 * registry, the `id` of a subnet…), for types the twin stores without simulating them. Values follow the
 * documented Azure host-name patterns; addresses are twin values derived from the resource id (listed in
 * docs/differences.md). A property the template sets itself is never replaced.
 */
type Props = Record<string, unknown>;

/** A site's outbound addresses (comma-separated, as App Service lists them): twin addresses from the id. */
const siteOutboundAddresses = (id: string, n: number) => Array.from({ length: n }, (_, i) => twinPublicIp(`${id}|outbound|${i}`)).join(',');

const ftpName = (id: string) => {
  const m = /\/sites\/([^/]+)(?:\/slots\/([^/]+))?/i.exec(id);
  return m ? (m[2] ? `${m[1]}__${m[2]}` : m[1]!) : leaf(id);
};

/**
 * Read-only properties of a site that templates read back besides its host names: `hostNames` (the default host
 * name, no custom domain), `inboundIpAddress` (DNS A records, quickstart app-service-managed-certificate-apex),
 * `outboundIpAddresses`/`possibleOutboundIpAddresses`, App Service's `customDomainVerificationId` (one per
 * subscription, 64 upper-case hex digits) and the publish profile's `ftpUsername`. Twin values from the id.
 */
export function siteReadOnlyProperties(id: string, host: string): Props {
  return {
    hostNames: [host],
    inboundIpAddress: twinPublicIp(id),
    outboundIpAddresses: siteOutboundAddresses(id, 4),
    possibleOutboundIpAddresses: siteOutboundAddresses(id, 8),
    customDomainVerificationId: hash(`custom-domain-verification|${subscriptionOf(id)}`, 64).toUpperCase(),
    // The deployment (FTP) user of the publish profile: `{site}\$\{site}` (`{site}__{slot}\$\{site}__{slot}` for a slot).
    ftpUsername: `${ftpName(id)}\\$${ftpName(id)}`,
  };
}
const location = regionOf;

function get(o: unknown, ...keys: string[]): unknown {
  let cur = o;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    const key = Object.keys(cur as Props).find((x) => x.toLowerCase() === k.toLowerCase());
    if (key === undefined) return undefined;
    cur = (cur as Props)[key];
  }
  return cur;
}

function setDefault(o: Props, key: string, value: unknown): void {
  if (Object.keys(o).some((k) => k.toLowerCase() === key.toLowerCase())) return;
  o[key] = value;
}

/** Network RP: every named element of a sub-resource array gets its id (`{resource id}/{collection}/{name}`). */
function subResourceIds(r: ResourceRecord, props: Props): void {
  for (const [key, value] of Object.entries(props)) {
    if (!Array.isArray(value)) continue;
    for (const item of value) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
      const name = get(item, 'name');
      // A named element is a sub-resource (backend pools often carry nothing but their name).
      if (typeof name !== 'string') continue;
      setDefault(item as Props, 'id', `${r.id}/${key}/${name}`);
      const inner = get(item, 'properties');
      if (inner && typeof inner === 'object' && !Array.isArray(inner)) subResourceIds({ ...r, id: `${r.id}/${key}/${name}` }, inner as Props);
    }
  }
}

/** A NIC: each IP configuration has a private address (`10.0.0.{4+i}`); one the template does not deploy has one configuration. */
function nicProperties(r: ResourceRecord, p: Props): void {
  setDefault(p, 'ipConfigurations', [{ name: 'ipconfig1', properties: { privateIPAllocationMethod: 'Dynamic', primary: true } }]);
  subResourceIds(r, p);
  const configs = get(p, 'ipConfigurations');
  if (Array.isArray(configs)) {
    configs.forEach((c, i) => {
      const inner = get(c, 'properties');
      if (inner && typeof inner === 'object') setDefault(inner as Props, 'privateIPAddress', `10.0.0.${4 + i}`);
    });
  }
}

/** A system-assigned identity as the RP shows it (`principalId`, `tenantId`: twin values from the id). */
const systemIdentity = (r: ResourceRecord, label: string, tenantId: string) => ({ type: 'SystemAssigned', principalId: guidOf(r.id, label), tenantId });

/** The stored resource with an id (a parent's configuration, e.g. a NetApp account's Active Directory connection). */
export type ResourceLookup = (id: string) => ResourceRecord | undefined;

const COMPUTED: Record<string, (r: ResourceRecord, p: Props, tenantId: string, lookup: ResourceLookup) => void> = {
  // The types below are simulated by a provider when the template deploys them; these entries serve the
  // expansion's fallbacks: a body the provider refuses (stored as given) and a resource presumed to exist.
  'microsoft.storage/storageaccounts': (r, p) => {
    setDefault(p, 'primaryEndpoints', storageEndpoints(leaf(r.name)));
    setDefault(p, 'primaryLocation', location(r));
    setDefault(p, 'statusOfPrimary', 'available');
  },
  'microsoft.keyvault/vaults': (r, p) => setDefault(p, 'vaultUri', `https://${leaf(r.name)}.vault.azure.net/`),
  'microsoft.managedidentity/userassignedidentities': (r, p, tenantId) => {
    setDefault(p, 'tenantId', tenantId);
    setDefault(p, 'principalId', guidOf(r.id, 'principal'));
    setDefault(p, 'clientId', guidOf(r.id, 'client'));
  },
  'microsoft.web/sites': (r, p) => {
    const host = `${leaf(r.name).toLowerCase()}.azurewebsites.net`;
    setDefault(p, 'defaultHostName', host);
    setDefault(p, 'enabledHostNames', [host, `${leaf(r.name).toLowerCase()}.scm.azurewebsites.net`]);
    for (const [k, v] of Object.entries(siteReadOnlyProperties(r.id, host))) setDefault(p, k, v);
  },
  // Slots: `{site}-{slot}.azurewebsites.net` (App Service's documented slot host name).
  'microsoft.web/sites/slots': (r, p) => {
    const [site, slot] = r.name.split('/');
    const host = `${site}-${slot}.azurewebsites.net`.toLowerCase();
    setDefault(p, 'defaultHostName', host);
    setDefault(p, 'hostNames', [host]);
    setDefault(p, 'enabledHostNames', [host, host.replace('.azurewebsites.net', '.scm.azurewebsites.net')]);
  },
  // Certificate thumbprints: SHA-1 hex (upper case) — a twin value from the resource id.
  'microsoft.web/certificates': (r, p) => setDefault(p, 'thumbprint', createHash('sha1').update(r.id.toLowerCase()).digest('hex').toUpperCase()),
  'microsoft.web/hostingenvironments': (r, p) => setDefault(p, 'dnsSuffix', `${leaf(r.name).toLowerCase()}.appserviceenvironment.net`),
  'microsoft.certificateregistration/certificateorders': (r, p) => {
    setDefault(p, 'domainVerificationToken', hash(r.id + '|dv', 32));
    const thumbprint = createHash('sha1').update(`${r.id.toLowerCase()}|signed`).digest('hex').toUpperCase();
    setDefault(p, 'signedCertificate', { version: 3, serialNumber: hash(r.id + '|serial', 32).toUpperCase(), thumbprint, subject: `CN=${get(p, 'distinguishedName') ?? leaf(r.name)}`, issuer: 'CN=Go Daddy Secure Certificate Authority - G2' });
  },
  // App Service Environment v3 networking: addresses inside the ASE's subnet (twin values).
  'microsoft.web/hostingenvironments/configurations': (r, p) => {
    if (leaf(r.name).toLowerCase() !== 'networking') return;
    setDefault(p, 'internalInboundIpAddresses', ['10.0.0.4']);
    setDefault(p, 'externalInboundIpAddresses', [twinPublicIp(r.id)]);
    setDefault(p, 'windowsOutboundIpAddresses', [twinPublicIp(`${r.id}|out`)]);
    setDefault(p, 'linuxOutboundIpAddresses', [twinPublicIp(`${r.id}|out`)]);
  },
  // Databricks: the workspace id of the Databricks control plane (digits) and its URL.
  'microsoft.databricks/workspaces': (r, p, tenantId) => {
    const workspaceId = String(BigInt(`0x${hash(r.id, 13)}`) % 10n ** 16n).padStart(16, '1');
    setDefault(p, 'workspaceId', workspaceId);
    setDefault(p, 'workspaceUrl', `adb-${workspaceId}.${Number(BigInt(`0x${hash(r.id, 2)}`) % 20n)}.azuredatabricks.net`);
    if (get(p, 'parameters', 'prepareEncryption', 'value') === true) setDefault(p, 'storageAccountIdentity', systemIdentity(r, 'storage', tenantId));
    if (get(p, 'encryption', 'entities', 'managedDisk') !== undefined) setDefault(p, 'managedDiskIdentity', systemIdentity(r, 'disk', tenantId));
  },
  // Time Series Insights: `{dataAccessId}.env.timeseries.azure.com`.
  'microsoft.timeseriesinsights/environments': (r, p) => {
    setDefault(p, 'dataAccessId', guidOf(r.id, 'data'));
    setDefault(p, 'dataAccessFqdn', `${guidOf(r.id, 'data')}.env.timeseries.azure.com`);
  },
  'microsoft.network/bastionhosts': (r, p) => setDefault(p, 'dnsName', `bst-${guidOf(r.id)}.bastion.azure.com`),
  'microsoft.servicefabric/clusters': (r, p) => {
    setDefault(p, 'clusterId', guidOf(r.id));
    setDefault(p, 'clusterEndpoint', `https://${location(r)}.servicefabric.azure.com/runtime/clusters/${guidOf(r.id)}`);
  },
  // De-identification service: `https://{subdomain}.api.{region code}.deid.azure.com` (SDK docs' example `example.api.cac001`).
  'microsoft.healthdataaiservices/deidservices': (r, p) => setDefault(p, 'serviceUrl', `https://${hash(r.id, 12)}.api.${location(r)}.deid.azure.com`),
  'microsoft.apimanagement/service': (r, p) => {
    for (const [k, v] of Object.entries(apimServiceUrls(leaf(r.name), location(r)))) setDefault(p, k, v);
    p['hostnameConfigurations'] = apimHostnameConfigurations(leaf(r.name), p['hostnameConfigurations']);
  },
  'microsoft.operationalinsights/workspaces': (r, p) => setDefault(p, 'customerId', guidOf(r.id, 'customer')),
  'microsoft.documentdb/databaseaccounts': (r, p) => {
    setDefault(p, 'documentEndpoint', `https://${leaf(r.name)}.documents.azure.com:443/`);
    setDefault(p, 'capabilities', []);
  },
  // Arc-enabled servers: the machine's display name (its host name, which names the resource) and agent status.
  'microsoft.hybridcompute/machines': (r, p) => {
    setDefault(p, 'displayName', leaf(r.name));
    setDefault(p, 'status', 'Connected');
    setDefault(p, 'vmId', guidOf(r.id, 'vm'));
  },
  'microsoft.azurestackhci/clusters': (r, p) => setDefault(p, 'cloudId', guidOf(r.id, 'cloud')),
  'microsoft.subscription/aliases': (r, p) => setDefault(p, 'subscriptionId', guidOf(r.id, 'subscription')),
  'microsoft.machinelearningservices/workspaces': (r, p) => setDefault(p, 'workspaceId', guidOf(r.id, 'workspace')),
  'microsoft.kusto/clusters': (r, p) => {
    setDefault(p, 'uri', `https://${leaf(r.name).toLowerCase()}.${location(r)}.kusto.windows.net`);
    setDefault(p, 'dataIngestionUri', `https://ingest-${leaf(r.name).toLowerCase()}.${location(r)}.kusto.windows.net`);
  },
  'microsoft.desktopvirtualization/hostpools': (r, p) => {
    const info = get(p, 'registrationInfo');
    if (info && typeof info === 'object' && !Array.isArray(info)) setDefault(info as Props, 'token', `twin-registration-token-${hash(r.id, 32)}`);
  },
  'microsoft.cdn/profiles/customdomains': (r, p) => setDefault(p, 'validationProperties', { validationToken: hash(r.id + '|validation', 32), expirationDate: '2026-01-08T00:00:00+00:00' }),
  'microsoft.appplatform/spring/apps': (r, p) => {
    const [service, app] = r.name.split('/');
    if (get(p, 'public') === true) setDefault(p, 'url', `https://${service}-${app}.azuremicroservices.io`.toLowerCase());
    setDefault(p, 'fqdn', `${service}.azuremicroservices.io`.toLowerCase());
  },
  'microsoft.network/virtualnetworkgateways': (r, p) => {
    subResourceIds(r, p);
    const bgp = get(p, 'bgpSettings');
    if (bgp && typeof bgp === 'object' && !Array.isArray(bgp)) setDefault(bgp as Props, 'bgpPeeringAddress', '10.0.255.254');
  },
  'microsoft.network/publicipaddresses': (r, p) => {
    setDefault(p, 'ipAddress', twinPublicIp(r.id));
    const label = get(p, 'dnsSettings', 'domainNameLabel');
    if (typeof label === 'string') {
      const dns = get(p, 'dnsSettings') as Props;
      setDefault(dns, 'fqdn', `${label}.${location(r)}.cloudapp.azure.com`);
    }
  },
  'microsoft.network/networkinterfaces': nicProperties,
  // A scale set instance's NIC (`{vmss}/virtualMachines/{i}/networkInterfaces/{nic}`), read through the Compute RP.
  'microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces': nicProperties,
  'microsoft.network/virtualnetworks': subResourceIds,
  'microsoft.network/networksecuritygroups': subResourceIds,
  // An internal load balancer's frontend with a dynamic address gets one in its subnet (a twin value).
  // Object replication: the destination account mints each rule's id (the source account's policy then names them).
  'microsoft.storage/storageaccounts/objectreplicationpolicies': (r, p) => {
    const rules = get(p, 'rules');
    if (Array.isArray(rules)) rules.forEach((rule, i) => rule && typeof rule === 'object' && !Array.isArray(rule) && setDefault(rule as Props, 'ruleId', guidOf(r.id, `rule|${i}`)));
  },
  'microsoft.network/loadbalancers': (r, p) => {
    subResourceIds(r, p);
    const frontends = get(p, 'frontendIPConfigurations');
    if (!Array.isArray(frontends)) return;
    frontends.forEach((f, i) => {
      const inner = get(f, 'properties');
      if (inner && typeof inner === 'object' && get(inner, 'subnet') !== undefined) setDefault(inner as Props, 'privateIPAddress', `10.0.0.${4 + i}`);
    });
  },
  'microsoft.network/applicationgateways': subResourceIds,
  'microsoft.network/routetables': subResourceIds,
  'microsoft.network/azurefirewalls': (r, p) => {
    subResourceIds(r, p);
    const configs = get(p, 'ipConfigurations');
    if (Array.isArray(configs)) {
      configs.forEach((c, i) => {
        const inner = get(c, 'properties');
        if (inner && typeof inner === 'object') setDefault(inner as Props, 'privateIPAddress', `10.0.${i}.4`);
      });
    }
  },
  'microsoft.sql/servers': (r, p) => setDefault(p, 'fullyQualifiedDomainName', `${leaf(r.name)}.database.windows.net`),
  'microsoft.dbformysql/servers': (r, p) => setDefault(p, 'fullyQualifiedDomainName', `${leaf(r.name)}.mysql.database.azure.com`),
  'microsoft.dbformysql/flexibleservers': (r, p) => setDefault(p, 'fullyQualifiedDomainName', `${leaf(r.name)}.mysql.database.azure.com`),
  'microsoft.dbforpostgresql/servers': (r, p) => setDefault(p, 'fullyQualifiedDomainName', `${leaf(r.name)}.postgres.database.azure.com`),
  'microsoft.dbforpostgresql/flexibleservers': (r, p) => setDefault(p, 'fullyQualifiedDomainName', `${leaf(r.name)}.postgres.database.azure.com`),
  'microsoft.dbformariadb/servers': (r, p) => setDefault(p, 'fullyQualifiedDomainName', `${leaf(r.name)}.mariadb.database.azure.com`),
  'microsoft.containerregistry/registries': (r, p) => setDefault(p, 'loginServer', `${leaf(r.name).toLowerCase()}.azurecr.io`),
  'microsoft.network/dnszones': (_r, p) => setDefault(p, 'nameServers', ['ns1-01.azure-dns.com.', 'ns2-01.azure-dns.net.', 'ns3-01.azure-dns.org.', 'ns4-01.azure-dns.info.']),
  'microsoft.eventgrid/topics': (r, p) => setDefault(p, 'endpoint', `https://${leaf(r.name)}.${location(r)}-1.eventgrid.azure.net/api/events`),
  'microsoft.eventgrid/domains': (r, p) => setDefault(p, 'endpoint', `https://${leaf(r.name)}.${location(r)}-1.eventgrid.azure.net/api/events`),
  'microsoft.cognitiveservices/accounts': (r, p) => {
    const sub = get(p, 'customSubDomainName');
    const endpoint = typeof sub === 'string' ? `https://${sub}.cognitiveservices.azure.com/` : `https://${location(r)}.api.cognitive.microsoft.com/`;
    setDefault(p, 'endpoint', endpoint);
    // A multi-service (AIServices) account also answers the single-service endpoints, the Foundry ones on `services.ai.azure.com` [I].
    const aiServices = String(r.kind ?? '').toLowerCase() === 'aiservices' && typeof sub === 'string';
    const foundry = `https://${sub}.services.ai.azure.com/`;
    setDefault(p, 'endpoints', {
      'Cognitive Services': endpoint,
      ...(typeof sub === 'string' ? { 'OpenAI Language Model Instance API': `https://${sub}.openai.azure.com/`, 'AI Foundry API': foundry } : {}),
      ...(aiServices ? { 'Azure AI Model Inference API': foundry, 'Content Understanding': foundry, 'Content Safety': endpoint, 'Computer Vision': endpoint, 'Speech Services Speech to Text': endpoint, 'Speech Services Text to Speech': endpoint, 'Token Service API': endpoint } : {}),
      ...(String(r.kind ?? '').toLowerCase() === 'contentsafety' ? { 'Content Safety': endpoint } : {}),
    });
  },
  'microsoft.cognitiveservices/accounts/projects': (r, p) => {
    const [account, project] = r.name.split('/');
    setDefault(p, 'endpoints', { 'AI Foundry API': `https://${account}.services.ai.azure.com/api/projects/${project}` });
  },
  'microsoft.network/privateendpoints': (r, p) => {
    setDefault(p, 'networkInterfaces', [{ id: `${r.id.replace(/\/providers\/.*$/i, '')}/providers/Microsoft.Network/networkInterfaces/${leaf(r.name)}.nic.${hash(r.id, 8)}-${hash(r.id + 'n', 4)}` }]);
    const fqdns = privateEndpointFqdns(p);
    setDefault(p, 'customDnsConfigs', fqdns.map((fqdn, i) => ({ fqdn, ipAddresses: [`10.0.0.${4 + i}`] })));
  },
  'microsoft.web/staticsites': (r, p) => setDefault(p, 'defaultHostname', `${leaf(r.name).toLowerCase()}-${hash(r.id, 8)}.azurestaticapps.net`),
  'microsoft.search/searchservices': (r, p) => setDefault(p, 'endpoint', `https://${leaf(r.name)}.search.windows.net`),
  'microsoft.documentdb/mongoclusters': (r, p) =>
    setDefault(p, 'connectionString', `mongodb+srv://<user>:<password>@${leaf(r.name)}.global.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256&retrywrites=false&maxIdleTimeMS=120000`),
  'microsoft.network/dnszones/dnssecconfigs': (_r, p) => setDefault(p, 'signingKeys', []),
  'microsoft.network/expressroutecircuits': (r, p) => {
    setDefault(p, 'serviceProviderProvisioningState', 'NotProvisioned');
    const h = hash(r.id, 32);
    setDefault(p, 'serviceKey', `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
  },
  'microsoft.cdn/profiles': (r, p) => {
    const h = hash(r.id, 32);
    setDefault(p, 'frontDoorId', `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
  },
  'microsoft.network/trafficmanagerprofiles': (_r, p) => {
    const dns = get(p, 'dnsConfig');
    const name = get(dns, 'relativeName');
    if (dns && typeof dns === 'object' && typeof name === 'string') setDefault(dns as Props, 'fqdn', `${name}.trafficmanager.net`);
  },
  'microsoft.devices/iothubs': (r, p) => setDefault(p, 'hostName', `${leaf(r.name)}.azure-devices.net`),
  'microsoft.devices/provisioningservices': (r, p) => {
    setDefault(p, 'serviceOperationsHostName', `${leaf(r.name)}.azure-devices-provisioning.net`);
    setDefault(p, 'deviceProvisioningHostName', 'global.azure-devices-provisioning.net');
    setDefault(p, 'idScope', `0ne${hash(r.id, 8).toUpperCase()}`);
  },
  'microsoft.keyvault/vaults/keys': (r, p) => {
    const [vault, key] = r.name.split('/');
    setDefault(p, 'keyUri', `https://${vault}.vault.azure.net/keys/${key}`);
    setDefault(p, 'keyUriWithVersion', `https://${vault}.vault.azure.net/keys/${key}/${hash(r.id, 32)}`);
  },
  'microsoft.appconfiguration/configurationstores': (r, p) => setDefault(p, 'endpoint', `https://${leaf(r.name).toLowerCase()}.azconfig.io`),
  'microsoft.relay/namespaces': (r, p) => setDefault(p, 'serviceBusEndpoint', `https://${leaf(r.name)}.servicebus.windows.net:443/`),
  'microsoft.cache/redis': (r, p) => {
    setDefault(p, 'hostName', `${leaf(r.name)}.redis.cache.windows.net`);
    setDefault(p, 'port', 6379);
    setDefault(p, 'sslPort', 6380);
  },
  'microsoft.servicebus/namespaces': (r, p) => setDefault(p, 'serviceBusEndpoint', `https://${leaf(r.name)}.servicebus.windows.net:443/`),
  'microsoft.eventhub/namespaces': (r, p) => setDefault(p, 'serviceBusEndpoint', `https://${leaf(r.name)}.servicebus.windows.net:443/`),
  'microsoft.signalrservice/signalr': (r, p) => setDefault(p, 'hostName', `${leaf(r.name).toLowerCase()}.service.signalr.net`),
  'microsoft.cdn/profiles/endpoints': (r, p) => setDefault(p, 'hostName', `${leaf(r.name)}.azureedge.net`),
  'microsoft.cdn/profiles/afdendpoints': (r, p) => setDefault(p, 'hostName', `${leaf(r.name)}-${hash(r.id, 16)}.z01.azurefd.net`),
  'microsoft.network/frontdoors': (r, p) => setDefault(p, 'cname', `${leaf(r.name)}.azurefd.net`),
  'microsoft.containerinstance/containergroups': (r, p) => {
    if (get(p, 'ipAddress') === undefined && (Array.isArray(get(p, 'subnetIds')) || get(p, 'networkProfile') !== undefined)) setDefault(p, 'ipAddress', { type: 'Private', ip: '10.0.0.4' });
    const ip = get(p, 'ipAddress');
    if (ip && typeof ip === 'object') {
      setDefault(ip as Props, 'ip', twinPublicIp(r.id));
      const label = get(ip, 'dnsNameLabel');
      if (typeof label === 'string') setDefault(ip as Props, 'fqdn', `${label}.${location(r)}.azurecontainer.io`);
    }
  },
  'microsoft.containerservice/managedclusters': (r, p) => {
    const prefix = get(p, 'dnsPrefix');
    if (typeof prefix === 'string') setDefault(p, 'fqdn', `${prefix}-${hash(r.id, 8)}.hcp.${location(r)}.azmk8s.io`);
    const h = hash(r.id + 'kubelet', 32);
    const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
    const addons = get(p, 'addonProfiles');
    for (const [name, addon] of Object.entries(addons && typeof addons === 'object' && !Array.isArray(addons) ? (addons as Props) : {})) {
      if (!addon || typeof addon !== 'object' || get(addon, 'enabled') !== true) continue;
      const a = guidOf(r.id, `addon|${name}`);
      setDefault(addon as Props, 'identity', {
        resourceId: `/subscriptions/${subscriptionOf(r.id)}/resourceGroups/MC_${resourceGroupOf(r.id)}_${leaf(r.name)}_${location(r)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name.toLowerCase()}-${leaf(r.name)}`,
        clientId: a,
        objectId: guidOf(r.id, `addon-object|${name}`),
      });
    }
    setDefault(p, 'identityProfile', {
      kubeletidentity: {
        resourceId: `/subscriptions/${r.id.split('/')[2]}/resourceGroups/MC_${leaf(r.name)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${leaf(r.name)}-agentpool`,
        clientId: uuid,
        objectId: uuid.split('').reverse().join(''),
      },
    });
  },
  'microsoft.app/managedenvironments': (r, p) => {
    setDefault(p, 'defaultDomain', `${hash(r.id, 12)}.${location(r)}.azurecontainerapps.io`);
    setDefault(p, 'staticIp', twinPublicIp(r.id));
    setDefault(p, 'customDomainConfiguration', {});
    setDefault(get(p, 'customDomainConfiguration') as Props, 'customDomainVerificationId', hash(r.id, 64).toUpperCase());
  },
  // Azure NetApp Files: a volume's mount target (file system id, an address in its delegated subnet) and the SMB
  // server's FQDN: for an SMB volume the account's Active Directory `smbServerName` prefix, a hyphen and four hex
  // characters ANF appends, then the AD domain; '' for an NFS volume (a published api-version 2020-06-01 GET of an
  // NFSv4.1 volume shows `"smbServerFQDN": ""`).
  'microsoft.netapp/netappaccounts/capacitypools/volumes': (r, p, _t, lookup) => {
    const account = lookup(r.id.replace(/\/capacityPools\/.*$/i, ''));
    const ad = get(account?.properties, 'activeDirectories');
    const first = Array.isArray(ad) ? ad[0] : undefined;
    const protocols = get(p, 'protocolTypes');
    const smb = Array.isArray(protocols) && protocols.some((x) => typeof x === 'string' && /^cifs$|^smb$/i.test(x));
    const prefix = get(first, 'smbServerName');
    const domain = get(first, 'domain');
    setDefault(p, 'fileSystemId', guidOf(r.id, 'filesystem'));
    setDefault(p, 'mountTargets', [
      {
        mountTargetId: guidOf(r.id, 'mount-target'),
        fileSystemId: guidOf(r.id, 'filesystem'),
        ipAddress: '10.0.0.4',
        smbServerFqdn: smb && typeof prefix === 'string' && typeof domain === 'string' ? `${prefix}-${hash(r.id, 4)}.${domain}`.toLowerCase() : '',
      },
    ]);
  },
  'microsoft.app/containerapps': (r, p) => {
    const ingress = get(p, 'configuration', 'ingress');
    if (ingress && typeof ingress === 'object') setDefault(ingress as Props, 'fqdn', `${leaf(r.name)}.${hash(r.id, 12)}.${location(r)}.azurecontainerapps.io`);
  },
};

/** Add the computed read-only properties of `record`'s type (in place). */
export function addReadOnlyProperties(record: ResourceRecord, tenantId = '', lookup: ResourceLookup = () => undefined): void {
  COMPUTED[record.type.toLowerCase()]?.(record, record.properties, tenantId, lookup);
  addTableProperties(record, tenantId);
}

/**
 * A resource that expansion presumes to exist (declared `existing`, or read without being deployed): its
 * computed read-only properties, and the SKU, kind and identity of types that always have them (PRESUMED in
 * read-only-table.ts). Twin values, listed in docs/differences.md.
 */
export function addExistingProperties(record: ResourceRecord, tenantId: string, lookup: ResourceLookup = () => undefined): void {
  const presumed = PRESUMED[record.type.toLowerCase()];
  if (presumed?.sku && record.sku === undefined) record.sku = structuredClone(presumed.sku);
  if (presumed?.kind && record.kind === undefined) record.kind = presumed.kind;
  if (presumed?.identity && record.identity === undefined) record.identity = systemIdentity(record, 'system', tenantId);
  addReadOnlyProperties(record, tenantId, lookup);
}

/** Storage endpoints of an account as ARM GET shows them (`https://{account}.{service}.core.windows.net/`). */
export function storageEndpoints(account: string): Props {
  return {
    dfs: `https://${account}.dfs.core.windows.net/`,
    web: `https://${account}.z6.web.core.windows.net/`,
    blob: `https://${account}.blob.core.windows.net/`,
    queue: `https://${account}.queue.core.windows.net/`,
    table: `https://${account}.table.core.windows.net/`,
    file: `https://${account}.file.core.windows.net/`,
  };
}

/**
 * The NIC a private endpoint made (its `networkInterfaces[0].id`), as the Network RP shows it: one IP configuration
 * per private DNS name, with `privateLinkConnectionProperties` (group id, member name, fqdns). Twin addresses.
 */
export function privateEndpointNicProperties(endpoint: ResourceRecord): Props {
  const fqdns = privateEndpointFqdns(endpoint.properties);
  const groups = privateEndpointTargets(endpoint.properties).map((t) => t.group);
  return {
    ipConfigurations: (fqdns.length > 0 ? fqdns : ['']).map((fqdn, i) => ({
      name: `privateEndpointIpConfig.${guidOf(endpoint.id, `ipconfig|${i}`)}`,
      properties: {
        privateIPAddress: `10.0.0.${4 + i}`,
        privateIPAllocationMethod: 'Dynamic',
        primary: i === 0,
        privateLinkConnectionProperties: { groupId: groups[0] ?? '', requiredMemberName: groups[0] ?? '', fqdns: fqdn ? [fqdn] : [] },
      },
    })),
  };
}

/**
 * A scale set instance's public IP (`{vmss}/virtualMachines/{i}/networkInterfaces/{nic}/ipConfigurations/{ipc}/publicIPAddresses/{pip}`),
 * from the scale set's `publicIPAddressConfiguration`: the REST spec's rule that "the concatenation of the domain
 * name label and vm index" is each instance's label, so `fqdn` = `{label}{i}.{location}.cloudapp.azure.com`.
 */
export function scaleSetInstancePublicIpProperties(id: string, scaleSet: ResourceRecord): Props {
  const m = /\/virtualMachines\/([^/]+)\/networkInterfaces\/([^/]+)\/ipConfigurations\/([^/]+)\/publicIPAddresses\/([^/]+)$/i.exec(id);
  const props: Props = { ipAddress: twinPublicIp(id), publicIPAllocationMethod: 'Dynamic' };
  if (!m) return props;
  const [, index, nicName, ipcName, pipName] = m as unknown as [string, string, string, string, string];
  const named = (list: unknown, name: string) => (Array.isArray(list) ? list.find((x) => String(get(x, 'name') ?? '').toLowerCase() === name.toLowerCase()) : undefined);
  const nic = named(get(scaleSet.properties, 'virtualMachineProfile', 'networkProfile', 'networkInterfaceConfigurations'), nicName);
  const ipc = named(get(nic, 'properties', 'ipConfigurations'), ipcName);
  const pip = get(ipc, 'properties', 'publicIPAddressConfiguration');
  const label = String(get(pip, 'name') ?? '').toLowerCase() === pipName.toLowerCase() ? get(pip, 'properties', 'dnsSettings', 'domainNameLabel') : undefined;
  if (typeof label === 'string') props['dnsSettings'] = { domainNameLabel: `${label}${index}`, fqdn: `${label}${index}.${location(scaleSet)}.cloudapp.azure.com` };
  return props;
}

/** Every (target resource id, group id) of a private endpoint's connections. */
function privateEndpointTargets(p: Props): Array<{ target: string | undefined; group: string }> {
  const out: Array<{ target: string | undefined; group: string }> = [];
  for (const key of ['privateLinkServiceConnections', 'manualPrivateLinkServiceConnections']) {
    const conns = get(p, key);
    if (!Array.isArray(conns)) continue;
    for (const c of conns) {
      const target = get(c, 'properties', 'privateLinkServiceId');
      const groups = get(c, 'properties', 'groupIds');
      if (!Array.isArray(groups)) continue;
      for (const g of groups) if (typeof g === 'string') out.push({ target: typeof target === 'string' ? target : undefined, group: g });
    }
  }
  return out;
}

/** Public host names behind a private endpoint's group ids (Azure's private DNS zone table), for customDnsConfigs. */
const GROUP_HOSTS: Record<string, string> = {
  blob: 'blob.core.windows.net',
  file: 'file.core.windows.net',
  queue: 'queue.core.windows.net',
  table: 'table.core.windows.net',
  dfs: 'dfs.core.windows.net',
  web: 'z6.web.core.windows.net',
  vault: 'vault.azure.net',
  sqlserver: 'database.windows.net',
  namespace: 'servicebus.windows.net',
  registry: 'azurecr.io',
  sites: 'azurewebsites.net',
  sql: 'documents.azure.com',
  searchservice: 'search.windows.net',
  configurationstores: 'azconfig.io',
  redis: 'redis.cache.windows.net',
};

function privateEndpointFqdns(p: Props): string[] {
  return privateEndpointTargets(p).flatMap(({ target, group }) => {
    const host = GROUP_HOSTS[group.toLowerCase()];
    return target !== undefined && host ? [`${leaf(target).toLowerCase()}.${host}`] : [];
  });
}

/** A key as Azure hands them out (base64 of 32 bytes), derived from the resource id and a label. */
const key = (r: ResourceRecord, label: string) => createHash('sha256').update(`${r.id.toLowerCase()}|${label}`).digest('base64');

const sasRule = (r: ResourceRecord) => {
  const parts = r.name.split('/');
  const namespace = parts[0]!;
  const rule = parts[parts.length - 1]!;
  const entity = parts.length > 2 ? `;EntityPath=${parts[1]}` : '';
  const primaryKey = key(r, 'primary');
  const secondaryKey = key(r, 'secondary');
  const cs = (k: string) => `Endpoint=sb://${namespace}.servicebus.windows.net/;SharedAccessKeyName=${rule};SharedAccessKey=${k}${entity}`;
  return { primaryConnectionString: cs(primaryKey), secondaryConnectionString: cs(secondaryKey), primaryKey, secondaryKey, keyName: rule };
};

/** A rule named `{namespace}/…/{rule}` as a namespace-level rule `{namespace}/{rule}` (no EntityPath in its strings). */
const namespaceRule = (name: string) => {
  const parts = name.split('/');
  return `${parts[0]}/${parts[parts.length - 1]}`;
};

/** A geo-recovery alias's rule `{namespace}/{alias}/{rule}`: the namespace's keys and strings, and the alias's strings. */
const aliasRule = (r: ResourceRecord) => {
  const [namespace, alias, rule] = r.name.split('/');
  const keys = sasRule({ ...r, name: `${namespace}/${rule}` });
  const cs = (k: string) => `Endpoint=sb://${alias}.servicebus.windows.net/;SharedAccessKeyName=${rule};SharedAccessKey=${k}`;
  return { ...keys, aliasPrimaryConnectionString: cs(keys.primaryKey), aliasSecondaryConnectionString: cs(keys.secondaryKey) };
};

/** SignalR / Web PubSub keys: two access keys and their `Endpoint=https://{name}.{domain};AccessKey=…;Version=1.0;` strings. */
const accessKeys = (r: ResourceRecord, domain: string) => {
  const cs = (k: string) => `Endpoint=https://${leaf(r.name).toLowerCase()}.${domain};AccessKey=${k};Version=1.0;`;
  return { primaryKey: key(r, 'p'), secondaryKey: key(r, 's'), primaryConnectionString: cs(key(r, 'p')), secondaryConnectionString: cs(key(r, 's')) };
};

/** Hex digits (a token, not base64) — a twin value from the resource id. */
const hexKey = (r: ResourceRecord, label: string) => createHash('sha256').update(`${r.id.toLowerCase()}|${label}`).digest('hex');

/** `{site}/config/publishingcredentials` as App Service lists it (undefined for other config names). */
function publishingCredentials(r: ResourceRecord): unknown {
  const parts = r.name.split('/');
  if (parts[parts.length - 1]!.toLowerCase() !== 'publishingcredentials') return undefined;
  // A slot's deployment user is `$site__slot`, its host `site-slot.scm.azurewebsites.net`.
  const site = parts.slice(0, -1).join('-');
  const user = `$${parts.slice(0, -1).join('__')}`;
  const password = hexKey(r, 'publishing').slice(0, 60);
  const siteId = r.id.replace(/\/config\/publishingcredentials$/i, '');
  return {
    id: `${siteId}/publishingcredentials/${user}`,
    name: site,
    type: r.type.replace(/\/config$/i, '/publishingcredentials'),
    properties: {
      name: null,
      publishingUserName: user,
      publishingPassword: password,
      publishingPasswordHash: null,
      publishingPasswordHashSalt: null,
      metadata: null,
      isDeleted: false,
      scmUri: `https://${user}:${password}@${site.toLowerCase()}.scm.azurewebsites.net`,
    },
  };
}

/** Storage keys as listKeys answers them: `{keys: [{keyName, value, permissions}]}`. */
const storageKeys = (r: ResourceRecord) => ({ keys: ['key1', 'key2'].map((keyName) => ({ keyName, value: key(r, keyName), permissions: 'FULL' })) });

/**
 * A `list*` result in the shape of the api-version asked for: Storage's listKeys before 2016-01-01 answers
 * `{key1, key2}` (StorageAccountKeys of the 2015-06-15 REST spec), later versions `{keys: [...]}`.
 */
export function listResultForApiVersion(type: string, action: string, result: unknown, apiVersion: string | undefined): unknown {
  if (type.toLowerCase() !== 'microsoft.storage/storageaccounts' || action.toLowerCase() !== 'listkeys' || apiVersion === undefined || apiVersion >= '2016-01-01') return result;
  const keys = get(result, 'keys');
  if (!Array.isArray(keys)) return result;
  return { key1: get(keys[0], 'value') ?? null, key2: get(keys[1], 'value') ?? null };
}

/** A SAS token (query string without `?`): twin value with a signature derived from the id and the request. */
const sasToken = (r: ResourceRecord, kind: string) => `sv=2018-03-28&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00%3A00%3A00Z&spr=https&sig=${encodeURIComponent(key(r, kind))}`;

const functionCode = (r: ResourceRecord) => key(r, 'function').replace(/[^A-Za-z0-9]/g, '');

/** `list*` results of types stored without a provider: `{type: {action (lower case): result}}`, twin values. */
const LIST_RESULTS: Record<string, Record<string, (r: ResourceRecord) => unknown>> = {
  'microsoft.storage/storageaccounts': {
    listkeys: storageKeys,
    listaccountsas: (r) => ({ accountSasToken: sasToken(r, 'account-sas') }),
    listservicesas: (r) => ({ serviceSasToken: sasToken(r, 'service-sas') }),
  },
  // Logic Apps: the trigger's callback URL (`https://prod-00.{region}.logic.azure.com:443/workflows/{id}/triggers/{name}/paths/invoke?…`).
  'microsoft.logic/workflows/triggers': {
    listcallbackurl: (r) => {
      const [workflow, trigger] = r.name.split('/');
      const base = `https://prod-00.${location(r)}.logic.azure.com:443/workflows/${hash(r.id.split('/triggers/')[0]!, 32)}/triggers/${trigger}/paths/invoke`;
      const sig = key(r, 'callback').replace(/[^A-Za-z0-9]/g, '').slice(0, 43);
      return {
        value: `${base}?api-version=2016-10-01&sp=%2Ftriggers%2F${trigger}%2Frun&sv=1.0&sig=${sig}`,
        method: 'POST',
        basePath: base,
        queries: { 'api-version': '2016-10-01', sp: `/triggers/${trigger}/run`, sv: '1.0', sig },
        relativePath: `/workflows/${workflow}/triggers/${trigger}/paths/invoke`,
      };
    },
  },
  // Functions: `{key, trigger_url}` of an HTTP-triggered function (`https://{site}.azurewebsites.net/api/{function}?code=…`).
  // POST {site}/config/publishingcredentials/list (`list(resourceId('Microsoft.Web/sites/config', site, 'publishingcredentials'), …)`):
  // the site's deployment user (REST spec WebApps_ListPublishingCredentials: a `User` resource — publishingUserName
  // `$site`, publishingPassword, scmUri `https://$site:password@site.scm.azurewebsites.net`). Other config names
  // are answered as stored (template-run `list()`).
  'microsoft.web/sites/config': { list: (r) => publishingCredentials(r) },
  'microsoft.web/sites/slots/config': { list: (r) => publishingCredentials(r) },
  // Static Web Apps: POST …/listSecrets answers a StringDictionary holding the deployment token (`properties.apiKey`).
  'microsoft.web/staticsites': {
    listsecrets: (r) => ({ id: `${r.id}/secrets`, name: 'secrets', type: 'Microsoft.Web/staticSites/secrets', properties: { apiKey: hexKey(r, 'apikey') } }),
  },
  // A function the template does not deploy (its code came with a zip deployment): listSecrets answers `{key,
  // trigger_url}`, listKeys its keys by name, `{default: …}` (as for a stored function, web.ts), the same key.
  'microsoft.web/sites/functions': {
    listsecrets: (r) => {
      const [site, fn] = r.name.split('/');
      const code = functionCode(r);
      return { key: code, trigger_url: `https://${site!.toLowerCase()}.azurewebsites.net/api/${fn}?code=${code}` };
    },
    listkeys: (r) => ({ default: functionCode(r) }),
  },
  'microsoft.devices/iothubs/iothubkeys': {
    listkeys: (r) => ({ keyName: leaf(r.name), primaryKey: key(r, 'p'), secondaryKey: key(r, 's'), rights: 'RegistryWrite, ServiceConnect, DeviceConnect' }),
  },
  'microsoft.eventhub/namespaces/authorizationrules': { listkeys: sasRule },
  'microsoft.eventhub/namespaces/eventhubs/authorizationrules': { listkeys: sasRule },
  'microsoft.servicebus/namespaces/authorizationrules': { listkeys: sasRule },
  'microsoft.servicebus/namespaces/queues/authorizationrules': { listkeys: sasRule },
  'microsoft.servicebus/namespaces/topics/authorizationrules': { listkeys: sasRule },
  'microsoft.relay/namespaces/authorizationrules': { listkeys: sasRule },
  'microsoft.relay/namespaces/hybridconnections/authorizationrules': { listkeys: sasRule },
  'microsoft.relay/namespaces/wcfrelays/authorizationrules': { listkeys: sasRule },
  // Notification Hubs (REST spec ResourceListKeys): the hub's connection strings name the namespace endpoint and the
  // rule only — a hub-level rule's string carries no EntityPath (the hub path is given to the SDK separately).
  'microsoft.notificationhubs/namespaces/authorizationrules': { listkeys: (r) => sasRule({ ...r, name: namespaceRule(r.name) }) },
  'microsoft.notificationhubs/namespaces/notificationhubs/authorizationrules': { listkeys: (r) => sasRule({ ...r, name: namespaceRule(r.name) }) },
  // Geo-recovery alias rules (REST spec AccessKeys): the namespace's strings plus the alias's
  // (`Endpoint=sb://{alias}.servicebus.windows.net/…`), which survive a failover.
  'microsoft.servicebus/namespaces/disasterrecoveryconfigs/authorizationrules': { listkeys: aliasRule },
  'microsoft.eventhub/namespaces/disasterrecoveryconfigs/authorizationrules': { listkeys: aliasRule },
  'microsoft.documentdb/databaseaccounts': {
    listkeys: (r) => ({ primaryMasterKey: key(r, 'p'), secondaryMasterKey: key(r, 's'), primaryReadonlyMasterKey: key(r, 'pr'), secondaryReadonlyMasterKey: key(r, 'sr') }),
    listconnectionstrings: (r) => ({
      connectionStrings: [
        { connectionString: `AccountEndpoint=https://${leaf(r.name)}.documents.azure.com:443/;AccountKey=${key(r, 'p')};`, description: 'Primary SQL Connection String', keyKind: 'Primary', type: 'Sql' },
        { connectionString: `AccountEndpoint=https://${leaf(r.name)}.documents.azure.com:443/;AccountKey=${key(r, 's')};`, description: 'Secondary SQL Connection String', keyKind: 'Secondary', type: 'Sql' },
        { connectionString: `AccountEndpoint=https://${leaf(r.name)}.documents.azure.com:443/;AccountKey=${key(r, 'pr')};`, description: 'Primary Read-Only SQL Connection String', keyKind: 'PrimaryReadonly', type: 'Sql' },
        { connectionString: `AccountEndpoint=https://${leaf(r.name)}.documents.azure.com:443/;AccountKey=${key(r, 'sr')};`, description: 'Secondary Read-Only SQL Connection String', keyKind: 'SecondaryReadonly', type: 'Sql' },
      ],
    }),
  },
  'microsoft.cache/redis': { listkeys: (r) => ({ primaryKey: key(r, 'p'), secondaryKey: key(r, 's') }) },
  'microsoft.cache/redisenterprise/databases': { listkeys: (r) => ({ primaryKey: key(r, 'p'), secondaryKey: key(r, 's') }) },
  // Event Grid: POST …/listKeys answers TopicSharedAccessKeys / DomainSharedAccessKeys `{key1, key2}`.
  'microsoft.eventgrid/topics': { listkeys: (r) => ({ key1: key(r, '1'), key2: key(r, '2') }) },
  'microsoft.eventgrid/domains': { listkeys: (r) => ({ key1: key(r, '1'), key2: key(r, '2') }) },
  // Log Analytics: POST …/sharedKeys, which templates also read through listKeys() (a workspace the template does not deploy).
  'microsoft.operationalinsights/workspaces': {
    sharedkeys: (r) => ({ primarySharedKey: key(r, 'p'), secondarySharedKey: key(r, 's') }),
    listkeys: (r) => ({ primarySharedKey: key(r, 'p'), secondarySharedKey: key(r, 's') }),
  },
  'microsoft.search/searchservices': {
    listadminkeys: (r) => ({ primaryKey: key(r, 'p'), secondaryKey: key(r, 's') }),
    listquerykeys: (r) => ({ value: [{ name: null, key: key(r, 'q') }] }),
  },
  'microsoft.cognitiveservices/accounts': { listkeys: (r) => ({ key1: key(r, '1'), key2: key(r, '2') }) },
  'microsoft.containerregistry/registries': {
    listcredentials: (r) => ({ username: leaf(r.name), passwords: [{ name: 'password', value: key(r, 'p') }, { name: 'password2', value: key(r, 'p2') }] }),
  },
  'microsoft.devices/iothubs': { listkeys: (r) => ({ value: [{ keyName: 'iothubowner', primaryKey: key(r, 'p'), secondaryKey: key(r, 's'), rights: 'RegistryWrite, ServiceConnect, DeviceConnect' }] }) },
  'microsoft.signalrservice/signalr': { listkeys: (r) => accessKeys(r, 'service.signalr.net') },
  // Web PubSub: SignalR's key shape with the service's `{name}.webpubsub.azure.com` endpoint (REST spec WebPubSubKeys).
  'microsoft.signalrservice/webpubsub': { listkeys: (r) => accessKeys(r, 'webpubsub.azure.com') },
  'microsoft.maps/accounts': { listkeys: (r) => ({ primaryKey: key(r, 'p'), secondaryKey: key(r, 's') }) },
  'microsoft.containerservice/managedclusters': {
    listclusteradmincredential: (r) => ({ kubeconfigs: [{ name: 'clusterAdmin', value: Buffer.from(`apiVersion: v1\nkind: Config\nclusters:\n- name: ${leaf(r.name)}\n`).toString('base64') }] }),
    listclusterusercredential: (r) => ({ kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(`apiVersion: v1\nkind: Config\nclusters:\n- name: ${leaf(r.name)}\n`).toString('base64') }] }),
  },
};

/** The `list*` result the twin answers for a type it stores without a provider, or undefined. */
export function readOnlyListResult(record: ResourceRecord, action: string): unknown {
  return LIST_RESULTS[record.type.toLowerCase()]?.[action.toLowerCase()]?.(record);
}

import { createHash } from 'node:crypto';
import type { ResourceRecord } from '../../state/index.js';

/**
 * Read-only properties that Azure's resource providers compute and templates read back with reference()
 * (`dnsSettings.fqdn` of a public IP, `fullyQualifiedDomainName` of a SQL server, `loginServer` of a
 * registry, the `id` of a subnet…), for types the twin stores without simulating them. Values follow the
 * documented Azure host-name patterns; addresses are twin values derived from the resource id (listed in
 * docs/differences.md). A property the template sets itself is never replaced.
 */
type Props = Record<string, unknown>;

const hash = (s: string, n: number) => createHash('sha256').update(s.toLowerCase()).digest('hex').slice(0, n);
/** A stable public address for a resource id, from the documentation range 20.0.0.0/8 the twin uses. */
const publicIp = (id: string) => {
  const h = createHash('sha256').update(id.toLowerCase()).digest();
  return `20.${h[0]! % 250}.${h[1]! % 250}.${(h[2]! % 250) + 4}`;
};
const leaf = (name: string) => name.split('/').pop() ?? name;
const location = (r: ResourceRecord) => (r.location ?? 'westeurope').toLowerCase().replace(/\s+/g, '');

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
      if (typeof name !== 'string' || get(item, 'properties') === undefined) continue;
      setDefault(item as Props, 'id', `${r.id}/${key}/${name}`);
      const inner = get(item, 'properties');
      if (inner && typeof inner === 'object' && !Array.isArray(inner)) subResourceIds({ ...r, id: `${r.id}/${key}/${name}` }, inner as Props);
    }
  }
}

const COMPUTED: Record<string, (r: ResourceRecord, p: Props) => void> = {
  'microsoft.network/publicipaddresses': (r, p) => {
    setDefault(p, 'ipAddress', publicIp(r.id));
    const label = get(p, 'dnsSettings', 'domainNameLabel');
    if (typeof label === 'string') {
      const dns = get(p, 'dnsSettings') as Props;
      setDefault(dns, 'fqdn', `${label}.${location(r)}.cloudapp.azure.com`);
    }
  },
  'microsoft.network/networkinterfaces': (r, p) => {
    subResourceIds(r, p);
    const configs = get(p, 'ipConfigurations');
    if (Array.isArray(configs)) {
      configs.forEach((c, i) => {
        const inner = get(c, 'properties');
        if (inner && typeof inner === 'object') setDefault(inner as Props, 'privateIPAddress', `10.0.0.${4 + i}`);
      });
    }
  },
  'microsoft.network/virtualnetworks': subResourceIds,
  'microsoft.network/networksecuritygroups': subResourceIds,
  'microsoft.network/loadbalancers': subResourceIds,
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
  'microsoft.network/virtualnetworkgateways': subResourceIds,
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
    setDefault(p, 'endpoints', { 'Cognitive Services': endpoint, ...(typeof sub === 'string' ? { 'OpenAI Language Model Instance API': `https://${sub}.openai.azure.com/`, 'AI Foundry API': `https://${sub}.services.ai.azure.com/` } : {}) });
  },
  'microsoft.cognitiveservices/accounts/projects': (r, p) => {
    const [account, project] = r.name.split('/');
    setDefault(p, 'endpoints', { 'AI Foundry API': `https://${account}.services.ai.azure.com/api/projects/${project}` });
  },
  'microsoft.network/privateendpoints': (r, p) => {
    setDefault(p, 'networkInterfaces', [{ id: `${r.id.replace(/\/providers\/.*$/i, '')}/providers/Microsoft.Network/networkInterfaces/${leaf(r.name)}.nic.${hash(r.id, 8)}-${hash(r.id + 'n', 4)}` }]);
    setDefault(p, 'customDnsConfigs', []);
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
  'microsoft.documentdb/databaseaccounts': (r, p) => setDefault(p, 'documentEndpoint', `https://${leaf(r.name)}.documents.azure.com:443/`),
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
    if (get(p, 'ipAddress') === undefined && Array.isArray(get(p, 'subnetIds'))) setDefault(p, 'ipAddress', { type: 'Private', ip: '10.0.0.4' });
    const ip = get(p, 'ipAddress');
    if (ip && typeof ip === 'object') {
      setDefault(ip as Props, 'ip', publicIp(r.id));
      const label = get(ip, 'dnsNameLabel');
      if (typeof label === 'string') setDefault(ip as Props, 'fqdn', `${label}.${location(r)}.azurecontainer.io`);
    }
  },
  'microsoft.containerservice/managedclusters': (r, p) => {
    const prefix = get(p, 'dnsPrefix');
    if (typeof prefix === 'string') setDefault(p, 'fqdn', `${prefix}-${hash(r.id, 8)}.hcp.${location(r)}.azmk8s.io`);
    const h = hash(r.id + 'kubelet', 32);
    const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
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
    setDefault(p, 'staticIp', publicIp(r.id));
    setDefault(p, 'customDomainConfiguration', {});
    setDefault(get(p, 'customDomainConfiguration') as Props, 'customDomainVerificationId', hash(r.id, 64).toUpperCase());
  },
  'microsoft.app/containerapps': (r, p) => {
    const ingress = get(p, 'configuration', 'ingress');
    if (ingress && typeof ingress === 'object') setDefault(ingress as Props, 'fqdn', `${leaf(r.name)}.${hash(r.id, 12)}.${location(r)}.azurecontainerapps.io`);
  },
};

/** Add the computed read-only properties of `record`'s type (in place). */
export function addReadOnlyProperties(record: ResourceRecord): void {
  COMPUTED[record.type.toLowerCase()]?.(record, record.properties);
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

/** `list*` results of types stored without a provider: `{type: {action (lower case): result}}`, twin values. */
const LIST_RESULTS: Record<string, Record<string, (r: ResourceRecord) => unknown>> = {
  'microsoft.eventhub/namespaces/authorizationrules': { listkeys: sasRule },
  'microsoft.eventhub/namespaces/eventhubs/authorizationrules': { listkeys: sasRule },
  'microsoft.servicebus/namespaces/authorizationrules': { listkeys: sasRule },
  'microsoft.servicebus/namespaces/queues/authorizationrules': { listkeys: sasRule },
  'microsoft.servicebus/namespaces/topics/authorizationrules': { listkeys: sasRule },
  'microsoft.relay/namespaces/authorizationrules': { listkeys: sasRule },
  'microsoft.relay/namespaces/hybridconnections/authorizationrules': { listkeys: sasRule },
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
  'microsoft.search/searchservices': {
    listadminkeys: (r) => ({ primaryKey: key(r, 'p'), secondaryKey: key(r, 's') }),
    listquerykeys: (r) => ({ value: [{ name: null, key: key(r, 'q') }] }),
  },
  'microsoft.cognitiveservices/accounts': { listkeys: (r) => ({ key1: key(r, '1'), key2: key(r, '2') }) },
  'microsoft.containerregistry/registries': {
    listcredentials: (r) => ({ username: leaf(r.name), passwords: [{ name: 'password', value: key(r, 'p') }, { name: 'password2', value: key(r, 'p2') }] }),
  },
  'microsoft.devices/iothubs': { listkeys: (r) => ({ value: [{ keyName: 'iothubowner', primaryKey: key(r, 'p'), secondaryKey: key(r, 's'), rights: 'RegistryWrite, ServiceConnect, DeviceConnect' }] }) },
  'microsoft.signalrservice/signalr': {
    listkeys: (r) => ({
      primaryKey: key(r, 'p'),
      secondaryKey: key(r, 's'),
      primaryConnectionString: `Endpoint=https://${leaf(r.name).toLowerCase()}.service.signalr.net;AccessKey=${key(r, 'p')};Version=1.0;`,
      secondaryConnectionString: `Endpoint=https://${leaf(r.name).toLowerCase()}.service.signalr.net;AccessKey=${key(r, 's')};Version=1.0;`,
    }),
  },
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

import type { ArmFunction, EvalContext } from '../context.js';
import { expectInt, expectString, fnError } from '../values.js';
import { BUILTIN_ROLES, PROVIDER_API_VERSIONS } from './builtin-roles.js';

/** `/{t1}/{n1}/{t2}/{n2}` for a full type `Ns/t1/t2` and names (names may themselves contain '/'). */
export function providerPath(fn: string, type: string, names: string[]): string {
  // ARM tolerates a trailing '/' on the type (`concat('Microsoft.Network/publicIPAddresses', '/')`).
  const segments = type.replace(/\/+$/, '').split('/');
  const namespace = segments[0]!;
  const types = segments.slice(1);
  const nameSegments = names.flatMap((n) => n.split('/'));
  if (types.length === 0 || nameSegments.length !== types.length) {
    throw fnError(
      fn,
      `the resource type '${type}' requires ${types.length} resource name segment(s) but ${nameSegments.length} were provided ('${names.join("', '")}').`,
    );
  }
  return `/providers/${namespace}` + types.map((t, i) => `/${t}/${nameSegments[i]}`).join('');
}

function splitTypeArgs(fn: string, args: string[]): { leading: string[]; type: string; names: string[] } {
  const at = args.findIndex((a) => a.includes('/'));
  if (at < 0) {
    throw fnError(fn, `function requires exactly one multi-segmented argument which must be resource type including resource provider namespace. Current function arguments '${args.join(',')}'.`);
  }
  return { leading: args.slice(0, at), type: args[at]!, names: args.slice(at + 1) };
}

const strings = (fn: string, args: unknown[]): string[] => args.map((a, i) => expectString(a, fn, i + 1));

const RESOURCE_GROUPS = 'microsoft.resources/resourcegroups';

/** The id `resourceId()` builds at the deployment's scope (docs/behaviour/arm.md §3, "resourceId rules"). */
function scopedResourceId(ctx: EvalContext, leading: string[], type: string, names: string[]): string {
  const path = providerPath('resourceId', type, names);
  const kind = ctx.scope.kind ?? 'resourceGroup';
  if (leading.length === 2) return `/subscriptions/${leading[0]}/resourceGroups/${leading[1]}${path}`;
  if (leading.length === 1) return `/subscriptions/${ctx.scope.subscriptionId}/resourceGroups/${leading[0]}${path}`;
  switch (kind) {
    case 'subscription':
      return `/subscriptions/${ctx.scope.subscriptionId}${path}`;
    case 'managementGroup':
      return `/providers/Microsoft.Management/managementGroups/${ctx.scope.managementGroup ?? ''}${path}`;
    case 'tenant':
      return path;
    default:
      return `/subscriptions/${ctx.scope.subscriptionId}/resourceGroups/${ctx.scope.resourceGroup}${path}`;
  }
}

/** Availability-zone regions of the twin (docs/differences.md): where pickZones() answers zones. */
export const ZONAL_LOCATIONS = new Set([
  'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'chinanorth3', 'eastasia', 'eastus', 'eastus2', 'francecentral',
  'germanywestcentral', 'israelcentral', 'italynorth', 'japaneast', 'japanwest', 'koreacentral', 'mexicocentral', 'newzealandnorth', 'northeurope',
  'norwayeast', 'polandcentral', 'qatarcentral', 'southafricanorth', 'southcentralus', 'southeastasia', 'spaincentral', 'swedencentral',
  'switzerlandnorth', 'uaenorth', 'uksouth', 'westeurope', 'westus2', 'westus3', 'usgovvirginia',
]);

const normLocation = (l: string) => l.toLowerCase().replace(/\s+/g, '');

/** Resource types that take availability zones (where pickZones() answers zones; docs/differences.md). */
export const ZONAL_TYPES = new Set([
  'microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets', 'microsoft.compute/disks', 'microsoft.compute/snapshots',
  'microsoft.compute/dedicatedhostgroups', 'microsoft.compute/capacityreservationgroups', 'microsoft.network/publicipaddresses',
  'microsoft.network/publicipprefixes', 'microsoft.network/natgateways', 'microsoft.network/applicationgateways', 'microsoft.network/azurefirewalls',
  'microsoft.network/virtualnetworkgateways', 'microsoft.network/loadbalancers', 'microsoft.containerservice/managedclusters',
  'microsoft.documentdb/databaseaccounts', 'microsoft.cache/redis', 'microsoft.cache/redisenterprise', 'microsoft.sql/servers/databases',
  'microsoft.sql/managedinstances', 'microsoft.dbforpostgresql/flexibleservers', 'microsoft.dbformysql/flexibleservers', 'microsoft.web/serverfarms',
  'microsoft.apimanagement/service', 'microsoft.eventhub/namespaces', 'microsoft.servicebus/namespaces', 'microsoft.app/managedenvironments',
  'microsoft.kusto/clusters', 'microsoft.search/searchservices', 'microsoft.containerregistry/registries',
]);

/** Logical zone n of a subscription is the physical zone `{location}-az{n}` in the twin. */
function toPhysical(fn: string, location: string, zone: unknown): string {
  const z = expectString(zone, fn, 3);
  if (!/^[1-3]$/.test(z)) throw fnError(fn, `the logical zone '${z}' must be '1', '2' or '3'.`);
  return `${normLocation(location)}-az${z}`;
}

function toLogical(fn: string, location: string, zone: unknown): string {
  const z = expectString(zone, fn, 3);
  const m = /^(.+)-az([1-3])$/i.exec(z);
  if (!m || normLocation(m[1]!) !== normLocation(location)) throw fnError(fn, `the physical zone '${z}' is not a zone of '${location}' (the twin's physical zones are '{location}-az1' to '-az3').`);
  return m[2]!;
}

export const resourceFunctions: ArmFunction[] = [
  {
    name: 'resourceId',
    min: 2,
    impl: (raw, env) => {
      const { leading, type, names } = splitTypeArgs('resourceId', strings('resourceId', raw));
      if (leading.length > 2) throw fnError('resourceId', 'at most two arguments (subscription id, resource group name) may precede the resource type.');
      return scopedResourceId(env.ctx, leading, type, names);
    },
  },
  {
    name: 'subscriptionResourceId',
    min: 2,
    impl: (raw, env) => {
      const { leading, type, names } = splitTypeArgs('subscriptionResourceId', strings('subscriptionResourceId', raw));
      if (leading.length > 1) throw fnError('subscriptionResourceId', 'at most one argument (subscription id) may precede the resource type.');
      const sub = leading[0] ?? env.ctx.scope.subscriptionId;
      if (type.toLowerCase() === RESOURCE_GROUPS && names.length === 1) return `/subscriptions/${sub}/resourceGroups/${names[0]}`;
      return `/subscriptions/${sub}${providerPath('subscriptionResourceId', type, names)}`;
    },
  },
  {
    name: 'tenantResourceId',
    min: 2,
    impl: (raw) => {
      const { leading, type, names } = splitTypeArgs('tenantResourceId', strings('tenantResourceId', raw));
      if (leading.length > 0) throw fnError('tenantResourceId', 'the resource type must be the first argument.');
      return providerPath('tenantResourceId', type, names);
    },
  },
  {
    name: 'managementGroupResourceId',
    min: 2,
    impl: (raw, env) => {
      const { leading, type, names } = splitTypeArgs('managementGroupResourceId', strings('managementGroupResourceId', raw));
      if (leading.length > 1) throw fnError('managementGroupResourceId', 'at most one argument (management group id) may precede the resource type.');
      const mg = leading[0] ?? env.ctx.scope.managementGroup;
      if (mg === undefined) throw fnError('managementGroupResourceId', 'the management group must be given outside a management group deployment.');
      return `/providers/Microsoft.Management/managementGroups/${mg}${providerPath('managementGroupResourceId', type, names)}`;
    },
  },
  {
    name: 'extensionResourceId',
    min: 3,
    impl: (raw) => {
      const [scope, ...rest] = strings('extensionResourceId', raw);
      const { type, names } = splitTypeArgs('extensionResourceId', rest);
      return `${scope!.replace(/\/$/, '')}${providerPath('extensionResourceId', type, names)}`;
    },
  },
  {
    name: 'reference',
    min: 1,
    max: 3,
    impl: ([target, apiVersion, full], env) => {
      const t = expectString(target, 'reference', 1);
      const api = apiVersion === undefined || apiVersion === null ? undefined : expectString(apiVersion, 'reference', 2);
      const isFull = full !== undefined && expectString(full, 'reference', 3).toLowerCase() === 'full';
      return env.ctx.reference(t, api, isFull);
    },
  },
  {
    name: 'references',
    min: 1,
    max: 2,
    impl: ([target, full], env) => {
      const t = expectString(target, 'references', 1);
      const isFull = full !== undefined && expectString(full, 'references', 2).toLowerCase() === 'full';
      if (!env.ctx.references) throw fnError('references', 'references() needs a languageVersion 2.0 template (symbolic resource names).');
      return env.ctx.references(t, isFull);
    },
  },
  {
    name: 'listOutputsWithSecureValues',
    min: 2,
    max: 2,
    impl: ([target, api], env) => env.ctx.list('listOutputsWithSecureValues', expectString(target, 'listOutputsWithSecureValues', 1), expectString(api, 'listOutputsWithSecureValues', 2), undefined),
  },
  {
    name: 'pickZones',
    min: 3,
    max: 5,
    impl: ([ns, type, loc, count, offset]) => {
      expectString(ns, 'pickZones', 1);
      expectString(type, 'pickZones', 2);
      const location = normLocation(expectString(loc, 'pickZones', 3));
      const n = count === undefined ? 1 : expectInt(count, 'pickZones', 4);
      const from = offset === undefined ? 0 : expectInt(offset, 'pickZones', 5);
      if (!ZONAL_LOCATIONS.has(location) || !ZONAL_TYPES.has(`${String(ns)}/${String(type)}`.toLowerCase())) return [];
      if (n < 0 || from < 0) throw fnError('pickZones', 'the number of zones and the offset must not be negative.');
      return Array.from({ length: Math.max(0, Math.min(n, 3 - (from % 3))) }, (_, i) => String(((from + i) % 3) + 1));
    },
  },
  {
    name: 'providers',
    min: 1,
    max: 2,
    impl: ([ns, type], env) => {
      const namespace = expectString(ns, 'providers', 1);
      const location = env.ctx.scope.location;
      const entry = (t: string) => ({ resourceType: t, locations: [location], apiVersions: [...PROVIDER_API_VERSIONS] });
      if (type !== undefined) return entry(expectString(type, 'providers', 2));
      return { namespace, resourceTypes: [] };
    },
  },
  {
    name: 'roleDefinitions',
    min: 1,
    max: 1,
    impl: ([name], env) => {
      const roleName = expectString(name, 'roleDefinitions', 1);
      const id = BUILTIN_ROLES[Object.keys(BUILTIN_ROLES).find((k) => k.toLowerCase() === roleName.toLowerCase()) ?? ''];
      if (!id) throw fnError('roleDefinitions', `the role '${roleName}' is not a built-in role the twin knows (docs/differences.md).`);
      return { id: `/subscriptions/${env.ctx.scope.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`, roleDefinitionId: id };
    },
  },
  { name: 'toPhysicalZone', min: 3, max: 3, impl: ([sub, loc, zone]) => toPhysical('toPhysicalZone', (expectString(sub, 'toPhysicalZone', 1), expectString(loc, 'toPhysicalZone', 2)), zone) },
  { name: 'toLogicalZone', min: 3, max: 3, impl: ([sub, loc, zone]) => toLogical('toLogicalZone', (expectString(sub, 'toLogicalZone', 1), expectString(loc, 'toLogicalZone', 2)), zone) },
  {
    name: 'toPhysicalZones',
    min: 3,
    max: 3,
    impl: ([sub, loc, zones]) => {
      expectString(sub, 'toPhysicalZones', 1);
      const location = expectString(loc, 'toPhysicalZones', 2);
      if (!Array.isArray(zones)) throw fnError('toPhysicalZones', 'parameter 3 must be an array of logical zones.');
      return zones.map((z) => toPhysical('toPhysicalZones', location, z));
    },
  },
  {
    name: 'toLogicalZones',
    min: 3,
    max: 3,
    impl: ([sub, loc, zones]) => {
      expectString(sub, 'toLogicalZones', 1);
      const location = expectString(loc, 'toLogicalZones', 2);
      if (!Array.isArray(zones)) throw fnError('toLogicalZones', 'parameter 3 must be an array of physical zones.');
      return zones.map((z) => toLogical('toLogicalZones', location, z));
    },
  },
];

import { createHash } from 'node:crypto';
import { jsonTimestamp, xmlDuration, type Clock, type IdGenerator } from '../../core/index.js';
import type { ResourceRecord, Store } from '../../state/index.js';
import type { ExpandedResource } from '../../arm/index.js';
import type { ArmErrorBody } from './wire.js';

export const DEPLOYMENTS_TYPE = 'Microsoft.Resources/deployments';
/** Twin-only `listResults` key of a deployment record: what it was deployed from (for `exportTemplate`, `onErrorDeployment`). */
export const INPUT_KEY = 'twin/input';
export const EXPORT_KEY = 'exporttemplate';
const OPERATIONS_META = 'arm.deploymentOperations:';

export interface StoredInput {
  template: unknown;
  parameters: Record<string, unknown>;
  mode: 'Incremental' | 'Complete';
}

/** One deployment operation as ARM answers `GET {deployment}/operations` (`DeploymentOperation`). */
export interface DeploymentOperation {
  id: string;
  operationId: string;
  properties: {
    provisioningOperation: 'Create' | 'Delete' | 'EvaluateDeploymentOutput';
    provisioningState: 'Running' | 'Succeeded' | 'Failed';
    timestamp: string;
    duration: string;
    trackingId: string;
    serviceRequestId?: string;
    statusCode: string;
    statusMessage?: { status: 'Failed'; error: ArmErrorBody };
    targetResource?: { id: string; resourceType: string; resourceName: string };
  };
}

/**
 * ARM's JSON times: `timestamp` as Newtonsoft writes a DateTime (up to 7 fractional digits, trailing zeros dropped:
 * `2020-07-23T00:24:33.3047061Z`, `2020-07-06T22:17:51.237703Z`) and `duration` as `XmlConvert` writes a TimeSpan
 * (`PT0.2709749S`, `PT27.0709147S`), as azure-cli's recorded sessions show them. The twin's clock counts milliseconds.
 */
export const isoDuration = xmlDuration;
export const armTimestamp = jsonTimestamp;

/** ARM's operation ids are 16 upper-case hex digits. */
export function operationId(ids: IdGenerator): string {
  return ids.uuid().replace(/-/g, '').slice(0, 16).toUpperCase();
}

/**
 * ARM answers a decimal `templateHash`; its algorithm is not published, so the twin uses the first 64 bits
 * of SHA-256 over the template JSON (inferred shape, docs/differences.md).
 */
export function templateHash(template: unknown): string {
  return BigInt('0x' + createHash('sha256').update(JSON.stringify(template) ?? '').digest('hex').slice(0, 16)).toString(10);
}

export function saveOperations(store: Store, deploymentId: string, ops: DeploymentOperation[]): void {
  store.setMeta(OPERATIONS_META + deploymentId.toLowerCase(), JSON.stringify(ops));
}

export function loadOperations(store: Store, deploymentId: string): DeploymentOperation[] {
  const text = store.getMeta(OPERATIONS_META + deploymentId.toLowerCase());
  if (!text) return [];
  try {
    return JSON.parse(text) as DeploymentOperation[];
  } catch {
    return [];
  }
}

export function clearOperations(store: Store, deploymentId: string): void {
  store.setMeta(OPERATIONS_META + deploymentId.toLowerCase(), '[]');
}

export interface DeploymentProvider {
  namespace: string;
  resourceTypes: Array<{ resourceType: string; locations: string[] }>;
}

/** One entry of `properties.dependencies` (ARM's `Dependency`: a resource and what it waits for, as `BasicDependency`). */
export interface DeploymentDependency {
  dependsOn: Array<{ id: string; resourceType: string; resourceName: string }>;
  id: string;
  resourceType: string;
  resourceName: string;
}

/** What ARM knows of a deployment once its template is validated (already in the `Accepted` answer of the PUT). */
export interface DeploymentSummary {
  providers: DeploymentProvider[];
  dependencies: DeploymentDependency[];
}

/** `properties.providers` of a deployment: the namespaces and types it wrote. */
export function providersOf(records: Array<{ type: string; location?: string | undefined }>, defaultLocation?: string): DeploymentProvider[] {
  const byNs = new Map<string, Map<string, Set<string>>>();
  for (const r of records) {
    const [ns, ...rest] = r.type.split('/');
    const types = byNs.get(ns!) ?? new Map<string, Set<string>>();
    byNs.set(ns!, types);
    const locs = types.get(rest.join('/')) ?? new Set<string>();
    types.set(rest.join('/'), locs);
    const location = r.location ?? defaultLocation;
    if (location) locs.add(location);
  }
  return [...byNs].map(([namespace, types]) => ({
    namespace,
    resourceTypes: [...types].map(([resourceType, locs]) => ({ resourceType, locations: [...locs] })),
  }));
}

/**
 * `providers` and `dependencies` of a deployment from its evaluated template (the resources of the deployment itself, its
 * nested deployments as `Microsoft.Resources/deployments`, not what they deploy), as the REST spec's example of
 * `Deployments - Create Or Update` answers them while `Accepted`: every namespace and type with its locations (a
 * resource without a location of its own, e.g. a child, counts in the deployment's), and one entry per resource that
 * waits for others, naming them.
 */
export function deploymentSummary(expanded: ExpandedResource[] | undefined, deploymentName: string, location: string): DeploymentSummary {
  const mine = (expanded ?? []).filter((e) => e.deployment === deploymentName);
  const byId = new Map(mine.map((e) => [e.id.toLowerCase(), e] as const));
  const basic = (id: string) => {
    const e = byId.get(id.toLowerCase());
    return { id, resourceType: e?.type ?? typeOfId(id), resourceName: e?.name ?? nameOfId(id) };
  };
  return {
    providers: providersOf(mine.map((e) => ({ type: e.type, location: typeof e.location === 'string' ? e.location : undefined })), location),
    dependencies: mine.filter((e) => (e.dependsOn ?? []).length > 0).map((e) => ({ dependsOn: e.dependsOn!.map(basic), id: e.id, resourceType: e.type, resourceName: e.name })),
  };
}

/** The type of a resource id (`…/providers/Ns/t1/n1/t2/n2` → `Ns/t1/t2`; a resource group or subscription id → theirs). */
export function typeOfId(id: string): string {
  const at = id.toLowerCase().lastIndexOf('/providers/');
  if (at < 0) return /\/resourcegroups\/[^/]+$/i.test(id) ? 'Microsoft.Resources/resourceGroups' : 'Microsoft.Resources/subscriptions';
  const segs = id.slice(at + '/providers/'.length).split('/');
  return [segs[0], ...segs.slice(1).filter((_, i) => i % 2 === 0)].join('/');
}

/** The name of a resource id (`…/providers/Ns/t1/n1/t2/n2` → `n1/n2`). */
export function nameOfId(id: string): string {
  const at = id.toLowerCase().lastIndexOf('/providers/');
  const segs = id.slice(at + '/providers/'.length).split('/');
  return segs.slice(1).filter((_, i) => i % 2 === 1).join('/');
}

export function resourceOperation(args: {
  deploymentId: string;
  ids: IdGenerator;
  clock: Clock;
  record: { id: string; type: string; name: string };
  existed: boolean;
  failed?: ArmErrorBody;
  durationMs: number;
  /** `Delete`: a resource Complete mode removed (statusCode OK). */
  operation?: 'Create' | 'Delete';
}): DeploymentOperation {
  const opId = operationId(args.ids);
  return {
    id: `${args.deploymentId}/operations/${opId}`,
    operationId: opId,
    properties: {
      provisioningOperation: args.operation ?? 'Create',
      provisioningState: args.failed ? 'Failed' : 'Succeeded',
      timestamp: armTimestamp(args.clock.now()),
      duration: isoDuration(args.durationMs),
      trackingId: args.ids.uuid(),
      serviceRequestId: args.ids.uuid(),
      statusCode: args.failed ? 'BadRequest' : args.existed || args.operation === 'Delete' ? 'OK' : 'Created',
      ...(args.failed ? { statusMessage: { status: 'Failed' as const, error: args.failed } } : {}),
      targetResource: { id: args.record.id, resourceType: args.record.type, resourceName: args.record.name },
    },
  };
}

export function outputOperation(deploymentId: string, ids: IdGenerator, clock: Clock): DeploymentOperation {
  const opId = operationId(ids);
  return {
    id: `${deploymentId}/operations/${opId}`,
    operationId: opId,
    properties: {
      provisioningOperation: 'EvaluateDeploymentOutput',
      provisioningState: 'Succeeded',
      timestamp: armTimestamp(clock.now()),
      duration: 'PT0S',
      trackingId: ids.uuid(),
      statusCode: 'OK',
    },
  };
}

/** A deployment record as GET answers it: twin-only fields (`listResults`) stripped. */
export function deploymentView(r: ResourceRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { id: r.id, name: r.name, type: DEPLOYMENTS_TYPE };
  if (r.location) out['location'] = r.location;
  if (r.tags) out['tags'] = r.tags;
  out['properties'] = r.properties;
  return out;
}

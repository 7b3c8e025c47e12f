import { createHash } from 'node:crypto';
import { jsonTimestamp, xmlDuration, type Clock, type IdGenerator } from '../../core/index.js';
import type { ResourceRecord, Store } from '../../state/index.js';
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

/** `properties.providers` of a deployment: the namespaces and types it wrote. */
export function providersOf(records: ResourceRecord[]): Array<{ namespace: string; resourceTypes: Array<{ resourceType: string; locations: string[] }> }> {
  const byNs = new Map<string, Map<string, Set<string>>>();
  for (const r of records) {
    const [ns, ...rest] = r.type.split('/');
    const types = byNs.get(ns!) ?? new Map<string, Set<string>>();
    byNs.set(ns!, types);
    const locs = types.get(rest.join('/')) ?? new Set<string>();
    types.set(rest.join('/'), locs);
    if (r.location) locs.add(r.location);
  }
  return [...byNs].map(([namespace, types]) => ({
    namespace,
    resourceTypes: [...types].map(([resourceType, locs]) => ({ resourceType, locations: [...locs] })),
  }));
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

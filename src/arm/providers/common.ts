import { armError, atLine } from '../errors.js';
import type { ResourceRecord } from '../../state/index.js';
import type { ProviderContext, ResourceInput } from './types.js';

/** The stored record for an input, with undefined fields left out. */
export function baseRecord(input: ResourceInput): ResourceRecord {
  const r: ResourceRecord = { id: input.id, type: input.type, name: input.name, properties: input.properties };
  if (input.apiVersion !== undefined) r.apiVersion = input.apiVersion;
  if (input.location !== undefined) r.location = input.location;
  if (input.kind !== undefined) r.kind = input.kind;
  if (input.sku !== undefined) r.sku = input.sku;
  if (input.tags !== undefined) r.tags = input.tags;
  if (input.identity !== undefined) r.identity = { ...input.identity };
  return r;
}

/** Case-insensitive nested lookup: `getPath(obj, 'a', 'b')`. */
export function getPath(value: unknown, ...keys: string[]): unknown {
  let cur = value;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    const obj = cur as Record<string, unknown>;
    const key = Object.keys(obj).find((x) => x.toLowerCase() === k.toLowerCase());
    if (key === undefined) return undefined;
    cur = obj[key];
  }
  return cur;
}

export function invalid(input: ResourceInput, ctx: ProviderContext, reason: string): Error {
  return armError(
    'ERR_ARM_RESOURCE_INVALID',
    `The resource '${input.id}'${atLine(ctx.location)} is not valid: ${reason}`,
    ctx.location,
    { resourceId: input.id },
  );
}

export function requireString(input: ResourceInput, ctx: ProviderContext, property: string): string {
  const v = getPath(input.properties, property);
  if (typeof v !== 'string' || v === '') throw invalid(input, ctx, `the property 'properties.${property}' is required and must be a non-empty string.`);
  return v;
}

/** Last segment of a full resource name (`svc/api` → `api`). */
export function leafName(name: string): string {
  const parts = name.split('/');
  return parts[parts.length - 1]!;
}

/**
 * System-assigned managed identity: principalId/clientId minted on first creation and kept on
 * redeploy; mirrored as a `managedIdentity` directory object. Removing the identity removes it.
 */
export function applyManagedIdentity(record: ResourceRecord, ctx: ProviderContext): void {
  const existing = ctx.tx.getResource(record.id);
  const previous = existing?.identity;
  const type = record.identity?.type ?? 'None';
  const systemAssigned = /systemassigned/i.test(type);
  if (previous?.principalId && (!systemAssigned)) ctx.tx.deleteDirectoryObject(previous.principalId);
  if (!record.identity) return;
  if (!/^(none|systemassigned|userassigned|systemassigned,\s*userassigned)$/i.test(type.trim())) {
    throw armError(
      'ERR_ARM_RESOURCE_INVALID',
      `The resource '${record.id}'${atLine(ctx.location)} is not valid: the identity type '${type}' is not one of 'SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned', 'None'.`,
      ctx.location,
    );
  }
  if (/userassigned/i.test(type)) fillUserAssignedIdentities(record, ctx);
  if (!systemAssigned) return;
  const principalId = previous?.principalId ?? ctx.ids.uuid();
  const clientId = previous?.clientId ?? ctx.ids.uuid();
  record.identity = { ...record.identity, type, principalId, tenantId: ctx.tenantId, clientId };
  ctx.tx.putDirectoryObject({
    kind: 'managedIdentity',
    objectId: principalId,
    appId: clientId,
    displayName: leafName(record.name),
    tenantId: ctx.tenantId,
    resourceId: record.id,
  });
}

const UAMI_TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities';

/**
 * `identity.userAssignedIdentities: { "<uami id>": {} }` → each entry gets that identity's
 * principalId/clientId (as ARM answers). An identity that does not exist is an error (loose: warning, left empty).
 */
function fillUserAssignedIdentities(record: ResourceRecord, ctx: ProviderContext): void {
  const entries = record.identity?.userAssignedIdentities;
  if (entries === undefined || entries === null || typeof entries !== 'object') return;
  const filled: Record<string, { principalId?: string; clientId?: string }> = {};
  for (const uamiId of Object.keys(entries)) {
    const uami = ctx.tx.getResource(uamiId);
    if (!uami || uami.type.toLowerCase() !== UAMI_TYPE.toLowerCase()) {
      const reason = `the user-assigned identity '${uamiId}' was not found.`;
      if (!ctx.loose) {
        throw armError('ERR_ARM_RESOURCE_INVALID', `The resource '${record.id}'${atLine(ctx.location)} is not valid: ${reason}`, ctx.location, { resourceId: record.id });
      }
      ctx.warn(`The resource '${record.id}'${atLine(ctx.location)}: ${reason} (loose mode: left empty)`);
      filled[uamiId] = {};
      continue;
    }
    const principalId = uami.properties['principalId'];
    const clientId = uami.properties['clientId'];
    filled[uamiId] = {
      ...(typeof principalId === 'string' ? { principalId } : {}),
      ...(typeof clientId === 'string' ? { clientId } : {}),
    };
  }
  record.identity = { ...record.identity!, userAssignedIdentities: filled };
}

/** `n` pseudo-random bytes drawn from `ctx.ids` (so tests with sequential ids are deterministic). */
export function randomBytesFrom(ctx: Pick<ProviderContext, 'ids'>, n: number): Buffer {
  const chunks: Buffer[] = [];
  let have = 0;
  while (have < n) {
    const b = Buffer.from(ctx.ids.uuid().replace(/-/g, ''), 'hex');
    chunks.push(b);
    have += b.length;
  }
  return Buffer.concat(chunks).subarray(0, n);
}

/** An access key as Azure Storage / Log Analytics show it: base64 of 64 random bytes (88 characters). */
export function accessKey(ctx: ProviderContext): string {
  return randomBytesFrom(ctx, 64).toString('base64');
}

/** A Functions host/function key: base64url of 40 random bytes with padding (56 characters). */
export function functionKey(ctx: Pick<ProviderContext, 'ids'>): string {
  return randomBytesFrom(ctx, 40).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The record stored before this deployment (or earlier in it), to keep generated values on redeploy. */
export function previousRecord(record: ResourceRecord, ctx: ProviderContext): ResourceRecord | undefined {
  const existing = ctx.tx.getResource(record.id);
  return existing && existing.type.toLowerCase() === record.type.toLowerCase() ? existing : undefined;
}

/** A previously generated string property, or a fresh one. */
export function keptString(previous: ResourceRecord | undefined, property: string, fresh: () => string): string {
  const v = previous?.properties[property];
  return typeof v === 'string' && v !== '' ? v : fresh();
}

/** A previously stored list* result, or a fresh one. */
export function keptListResult<T>(previous: ResourceRecord | undefined, action: string, fresh: () => T): T {
  const v = previous?.listResults?.[action];
  return v !== undefined ? (structuredClone(v) as T) : fresh();
}

/** Azure's normalized location name: `East US` → `eastus`. */
export function normalizedLocation(location: string | undefined, fallback = 'westeurope'): string {
  return (location ?? fallback).replace(/\s+/g, '').toLowerCase();
}

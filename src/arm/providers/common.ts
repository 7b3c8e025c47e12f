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

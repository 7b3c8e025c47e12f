import { armError, atLine } from '../errors.js';
import type { DirectoryObject, StoreTransaction } from '../../state/index.js';
import type { ProviderContext, ResourceInput } from './types.js';

/**
 * How Bicep's Microsoft Graph extension resources find directory objects, and how Graph's refusals reach the
 * deployment. Graph's own answers (docs/behaviour/arm.md §6.4): an object id nothing holds is 404
 * `Request_ResourceNotFound` "Resource '{id}' does not exist or one of its queried reference-property objects are not
 * present."; a bad request body is 400 `Request_BadRequest`. The deployment operation fails with Graph's code and
 * message (`details.providerCode`/`providerMessage`, read by the control plane's resource error).
 */
const lower = (s: string | undefined) => (s ?? '').toLowerCase();

export type PrincipalType = 'User' | 'Group' | 'ServicePrincipal';

/** A security principal of the directory by object id: a user, a group, or a service principal (an app's or a managed identity's). */
export interface GraphPrincipal {
  objectId: string;
  type: PrincipalType;
  displayName: string;
  /** A service principal: its application or managed identity object. */
  owner?: DirectoryObject;
}

export function principalById(tx: StoreTransaction, objectId: string): GraphPrincipal | undefined {
  const direct = tx.getDirectoryObject(objectId);
  if (direct?.kind === 'user') return { objectId: direct.objectId, type: 'User', displayName: direct.displayName };
  if (direct?.kind === 'group') return { objectId: direct.objectId, type: 'Group', displayName: direct.displayName };
  return servicePrincipalById(tx, objectId);
}

/** A service principal by its object id: an application's (`servicePrincipalId`) or a managed identity's. */
export function servicePrincipalById(tx: StoreTransaction, objectId: string): GraphPrincipal | undefined {
  const direct = tx.getDirectoryObject(objectId);
  if (direct?.kind === 'managedIdentity') return { objectId: direct.objectId, type: 'ServicePrincipal', displayName: direct.displayName, owner: direct };
  const app = tx.listDirectoryObjects().find((o) => o.kind === 'application' && o.servicePrincipalId !== undefined && lower(o.servicePrincipalId) === lower(objectId));
  return app ? { objectId: app.servicePrincipalId!, type: 'ServicePrincipal', displayName: app.displayName, owner: app } : undefined;
}

/** The object of `kind` in the tenant with this `uniqueName` (Graph's alternate key for applications and groups). */
export function byUniqueName(tx: StoreTransaction, tenantId: string, kind: 'application' | 'group', uniqueName: string): DirectoryObject | undefined {
  return tx.listDirectoryObjects().find((o) => o.kind === kind && lower(o.tenantId) === lower(tenantId) && lower(o.uniqueName) === lower(uniqueName));
}

/** Graph's refusal of a resource: the deployment operation fails with Graph's status, code and message. */
export function graphError(input: ResourceInput, ctx: ProviderContext, status: 400 | 404, graphCode: string, message: string): Error {
  return armError(
    status === 404 ? 'ERR_ARM_RESOURCE_NOT_FOUND' : 'ERR_ARM_RESOURCE_INVALID',
    `The resource '${input.id}'${atLine(ctx.location)} failed: Microsoft Graph answered ${status} ${graphCode}: ${message}`,
    ctx.location,
    { resourceId: input.id, providerCode: graphCode, providerMessage: message, providerStatus: status },
  );
}

/** Graph's 404 for an object id (or alternate key) nothing holds. */
export function graphNotFound(input: ResourceInput, ctx: ProviderContext, key: string): Error {
  return graphError(input, ctx, 404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`);
}

export const GUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/**
 * A property Graph's Bicep types mark Required (msgraph-bicep-types, generated v1.0 types.md): missing is the
 * extension's 400 `Request_BadRequest` (a required property must be given); a wrong JSON type likewise.
 */
export function requiredProperty<T>(input: ResourceInput, ctx: ProviderContext, name: string, check: (v: unknown) => v is T, what: string): T {
  const key = Object.keys(input.properties).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : input.properties[key];
  if (v === undefined || v === null) throw graphError(input, ctx, 400, 'Request_BadRequest', `The property '${name}' is required.`);
  if (!check(v)) throw graphError(input, ctx, 400, 'Request_BadRequest', `The property '${name}' must be ${what}.`);
  return v;
}

export const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const isGuid = (v: unknown): v is string => typeof v === 'string' && GUID.test(v);
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

import { rbacRolesAt } from '../../identity/index.js';
import type { Store } from '../../state/index.js';
import type { ArmCaller } from './bearer-auth.js';
import { armHttpError } from './wire.js';

/** Control-plane behaviour the twin does not play by default (docs/differences.md). */
export interface ControlPlaneCompatFlags {
  /**
   * Check Azure RBAC on every control-plane request, as ARM does: the caller's role assignments (the
   * `Microsoft.Authorization/roleAssignments` deployed into the twin, built-in roles Owner, Contributor, Reader,
   * User Access Administrator) must grant the action at the request's scope, else 403 `AuthorizationFailed`.
   * Default false: any token the control plane accepts may do everything (the twin's users deploy with whatever
   * principal they have, and most templates do not assign themselves roles).
   */
  enforceRbac: boolean;
}

export const defaultControlPlaneCompatFlags: Readonly<ControlPlaneCompatFlags> = Object.freeze({ enforceRbac: false });

/** What a request does, in ARM's action vocabulary (`Microsoft.Web/sites/read`, `…/write`, `…/delete`, `…/action`). */
export interface ArmAction {
  action: string;
  scope: string;
}

const AUTHORIZATION = 'microsoft.authorization/';

/** Does a built-in role allow an action? (Owner: all; Contributor: all but writing/deleting Microsoft.Authorization; Reader: reads; UAA: reads and Microsoft.Authorization.) */
function roleAllows(role: string, action: string): boolean {
  const a = action.toLowerCase();
  const read = a.endsWith('/read');
  const authz = a.startsWith(AUTHORIZATION);
  switch (role) {
    case 'Owner':
      return true;
    case 'Contributor':
      return read || !authz;
    case 'Reader':
      return read;
    case 'User Access Administrator':
      return read || authz;
    default:
      return false;
  }
}

/**
 * The action of a request under `/subscriptions/{s}/…` and the scope it is checked at (the addressed resource,
 * resource group or subscription). POST actions (`listKeys`, `validate`, `whatIf`, `cancel`) are `{type}/{action}/action`;
 * ARM's own routes are Microsoft.Resources actions.
 */
export function armActionOf(method: string, segments: string[]): ArmAction | undefined {
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] !== 'subscriptions' || lower.length < 2) return undefined;
  const verb = method === 'GET' || method === 'HEAD' ? 'read' : method === 'DELETE' ? 'delete' : 'write';
  const sub = `/subscriptions/${segments[1]}`;
  let i = 2;
  let scope = sub;
  let type = 'Microsoft.Resources/subscriptions';
  if (lower[i] === 'resourcegroups' && segments[i + 1] !== undefined) {
    scope = `${sub}/resourceGroups/${segments[i + 1]}`;
    type = 'Microsoft.Resources/subscriptions/resourceGroups';
    i += 2;
  } else if (lower[i] === 'resourcegroups') {
    return { action: `Microsoft.Resources/subscriptions/resourceGroups/${verb}`, scope: sub };
  }
  if (lower[i] === 'resources') return { action: 'Microsoft.Resources/subscriptions/resources/read', scope };
  // `…/deployments` without the provider segment reads as Microsoft.Resources/deployments.
  const bareDeployments = lower[i] === 'deployments';
  if (lower[i] === 'providers' || bareDeployments) {
    const rest = bareDeployments ? ['Microsoft.Resources', ...segments.slice(i)] : segments.slice(i + 1);
    if (rest.length < 2) return { action: `Microsoft.Resources/providers/${verb}`, scope };
    const [ns, ...pairs] = rest;
    // POST `…/sites/x/host/default/listKeys`, `…/config/appsettings/list`, `…/deployments/d/validate`: the last segment is the action.
    const act = method === 'POST' && pairs.length >= 3 && pairs.length % 2 === 1 ? pairs.pop() : undefined;
    const full = [ns, ...pairs.filter((_, k) => k % 2 === 0)].join('/');
    // One resource is checked at its id; a collection at its parent's.
    const named = pairs.length % 2 === 0;
    const held = named ? pairs : pairs.slice(0, -1);
    const id = held.length > 0 ? `${scope}/providers/${ns}/${held.join('/')}` : scope;
    return { action: act !== undefined ? `${full}/${act}/action` : `${full}/${verb}`, scope: id };
  }
  return { action: `${type}/${verb}`, scope };
}

/**
 * ARM's RBAC check (behind `compat.controlPlane.enforceRbac`): the caller's built-in role assignments at the scope
 * or above it must allow the action. `owner` principals (the twin's own CLI) are Owner of the subscription, as the
 * account that created a subscription is.
 */
export function authorize(store: Store, caller: ArmCaller, what: ArmAction, owners: ReadonlySet<string>): void {
  if (caller.appId && owners.has(caller.appId.toLowerCase())) return;
  const roles = caller.objectId ? rbacRolesAt(store, caller.objectId, what.scope) : [];
  if (roles.some((r) => roleAllows(r, what.action))) return;
  const who = caller.appId ?? caller.objectId ?? 'unknown';
  throw armHttpError(
    403,
    'AuthorizationFailed',
    `The client '${who}' with object id '${caller.objectId ?? ''}' does not have authorization to perform action '${what.action}' over scope '${what.scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

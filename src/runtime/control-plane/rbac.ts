import { roleAssignmentsFor, scopeCovers } from '../../identity/index.js';
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
  /**
   * What a control-plane deployment does after a resource provider refuses one of its resources. `continue` (default,
   * as ARM runs a deployment's dependency graph): the resources that do not depend on the refused one still deploy,
   * those that do are never attempted, the deployment ends `Failed` with one `DeploymentFailed` detail per failed
   * resource. `stop`: nothing after the first failure is attempted (what was deployed before it stays), the twin's
   * behaviour before session 6. `trustline up` / `Twin.deploy` stay all-or-nothing either way (docs/differences.md).
   */
  afterResourceFailure: 'continue' | 'stop';
  /**
   * Throttle as ARM does: a caller whose subscription token bucket (reads 250 at 25/s, writes and deletes 200 at 10/s)
   * is empty gets 429 `SubscriptionRequestsThrottled` with `Retry-After`. Default false: the buckets are counted and
   * reported in `x-ms-ratelimit-remaining-*`, nothing is refused (tests and scripts driving a local twin would only be
   * slowed; docs/differences.md).
   */
  throttle: boolean;
}

export const defaultControlPlaneCompatFlags: Readonly<ControlPlaneCompatFlags> = Object.freeze({ enforceRbac: false, afterResourceFailure: 'continue', throttle: false });

/** What a request does, in ARM's action vocabulary (`Microsoft.Web/sites/read`, `…/write`, `…/delete`, `…/action`). */
export interface ArmAction {
  action: string;
  scope: string;
}

/** One `permissions` entry of a role definition (Learn, "Azure role definitions"). */
export interface RolePermission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

const permission = (actions: string[], notActions: string[] = []): RolePermission => ({ actions, notActions, dataActions: [], notDataActions: [] });

/** The permissions of the built-in roles the twin plays, as Learn's "Azure built-in roles" lists them. */
const BUILT_IN_PERMISSIONS: Readonly<Record<string, RolePermission[]>> = {
  // Owner
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': [permission(['*'])],
  // Contributor
  'b24988ac-6180-42a0-ab88-20f7382dd24c': [
    permission(['*'], [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
      'Microsoft.Subscription/cancel/action',
      'Microsoft.Subscription/enable/action',
    ]),
  ],
  // Reader
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': [permission(['*/read'])],
  // User Access Administrator
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': [permission(['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'])],
};

const ROLE_DEFINITIONS = 'Microsoft.Authorization/roleDefinitions';

/**
 * The permissions a role definition id grants: a built-in role's, or those of a custom role deployed into the twin
 * (`Microsoft.Authorization/roleDefinitions`, found by its GUID at any scope). Unknown: none.
 */
export function rolePermissions(store: Store, roleDefinitionId: string): RolePermission[] {
  const guid = roleDefinitionId.split('/').pop()!.toLowerCase();
  const builtIn = BUILT_IN_PERMISSIONS[guid];
  if (builtIn) return builtIn;
  const custom = store.listResources({ type: ROLE_DEFINITIONS }).find((r) => r.id.split('/').pop()!.toLowerCase() === guid);
  const perms = custom?.properties['permissions'];
  if (!Array.isArray(perms)) return [];
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return perms.map((p: Record<string, unknown>) => ({ actions: list(p['actions']), notActions: list(p['notActions']), dataActions: list(p['dataActions']), notDataActions: list(p['notDataActions']) }));
}

/** Does an RBAC pattern (`*` matches any run of characters, `/` included; case-insensitive) match an action? */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i');
  return re.test(action);
}

/**
 * Does a role's permissions allow a control-plane action? Each permission grants its `actions` less its `notActions`;
 * the role grants the union. `dataActions` are data-plane operations: they grant no control-plane action.
 */
export function permissionsAllow(perms: RolePermission[], action: string): boolean {
  return perms.some((p) => p.actions.some((a) => actionMatches(a, action)) && !p.notActions.some((a) => actionMatches(a, action)));
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
 * The caller and every group of the twin's directory it is a member of, directly or through other groups: an
 * assignment to a group applies to its members, as in Azure RBAC.
 */
function principalsOf(store: Store, objectId: string): string[] {
  const groups = store.listDirectoryObjects().filter((d) => d.kind === 'group');
  const found = new Set([objectId.toLowerCase()]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const g of groups) {
      if (found.has(g.objectId.toLowerCase()) || !(g.members ?? []).some((m) => found.has(m.toLowerCase()))) continue;
      found.add(g.objectId.toLowerCase());
      grew = true;
    }
  }
  return [...found];
}

/**
 * ARM's RBAC check (behind `compat.controlPlane.enforceRbac`): a role assignment of the caller at the scope or above
 * it (scope inheritance) must allow the action through its role definition's actions less notActions. `owner` principals (the twin's own CLI) are Owner of the subscription, as the
 * account that created a subscription is.
 */
export function authorize(store: Store, caller: ArmCaller, what: ArmAction, owners: ReadonlySet<string>): void {
  if (caller.appId && owners.has(caller.appId.toLowerCase())) return;
  // Every assignment of the caller at the scope or above it; the role definitions' permissions decide (built-in or custom).
  const principals = caller.objectId ? principalsOf(store, caller.objectId) : [];
  const assignments = principals.flatMap((p) => roleAssignmentsFor(store, p)).filter((a) => scopeCovers(a.scope, what.scope));
  if (assignments.some((a) => permissionsAllow(rolePermissions(store, a.roleDefinitionId), what.action))) return;
  const who = caller.appId ?? caller.objectId ?? 'unknown';
  throw armHttpError(
    403,
    'AuthorizationFailed',
    `The client '${who}' with object id '${caller.objectId ?? ''}' does not have authorization to perform action '${what.action}' over scope '${what.scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

import type { EvalScope, ScopeKind } from '../expressions/context.js';

/** Where a (nested) deployment runs: its scope kind and the ids that scope needs. */
export interface DeploymentTarget {
  kind: ScopeKind;
  subscriptionId: string;
  resourceGroup: string;
  managementGroup?: string;
  tenantId: string;
  location: string;
}

/** The scope a template's `$schema` declares (resource group when it names none). */
export function kindOfSchema(schema: unknown): ScopeKind {
  if (typeof schema !== 'string') return 'resourceGroup';
  if (/subscriptionDeploymentTemplate/i.test(schema)) return 'subscription';
  if (/managementGroupDeploymentTemplate/i.test(schema)) return 'managementGroup';
  if (/tenantDeploymentTemplate/i.test(schema)) return 'tenant';
  return 'resourceGroup';
}

export function evalScope(t: DeploymentTarget): EvalScope {
  return {
    subscriptionId: t.subscriptionId,
    resourceGroup: t.resourceGroup,
    location: t.location,
    tenantId: t.tenantId,
    kind: t.kind,
    ...(t.managementGroup !== undefined ? { managementGroup: t.managementGroup } : {}),
  };
}

/** The id of the scope itself: `/subscriptions/s/resourceGroups/rg`, `/subscriptions/s`, the management group id, or '' (tenant). */
export function scopeId(t: DeploymentTarget): string {
  switch (t.kind) {
    case 'resourceGroup':
      return `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}`;
    case 'subscription':
      return `/subscriptions/${t.subscriptionId}`;
    case 'managementGroup':
      return `/providers/Microsoft.Management/managementGroups/${t.managementGroup ?? ''}`;
    default:
      return '';
  }
}

/** `/providers/Ns/t1/n1/t2/n2` for a full type and full name (segment counts already checked). */
export function providerSuffix(type: string, name: string): string {
  const [ns, ...types] = type.split('/');
  const names = name.split('/');
  return `/providers/${ns}` + types.map((t, i) => `/${t}/${names[i]}`).join('');
}

/** The id of a resource of `type`/`name` deployed at `t` (resource groups at subscription scope get their real id). */
export function resourceIdAt(t: DeploymentTarget, type: string, name: string): string {
  if (type.toLowerCase() === 'microsoft.resources/resourcegroups' && !name.includes('/')) return `/subscriptions/${t.subscriptionId}/resourceGroups/${name}`;
  if (type.toLowerCase() === 'microsoft.management/managementgroups' && !name.includes('/')) return `/providers/Microsoft.Management/managementGroups/${name}`;
  if (type.toLowerCase() === 'microsoft.resources/subscriptions' && !name.includes('/')) return `/subscriptions/${name}`;
  return scopeId(t) + providerSuffix(type, name);
}

/**
 * A `scope` property value as a scope id: a full id (`/subscriptions/…`, `/providers/…`, `/`) as given,
 * a relative one (`Microsoft.Storage/storageAccounts/name`) under the deployment's scope.
 */
export function resolveScopeId(t: DeploymentTarget, scope: string): string {
  const s = scope.trim();
  if (s === '/' || s === '') return '';
  if (s.startsWith('/')) return s.replace(/\/+$/, '');
  // Management groups live at the tenant, whatever the deployment's scope.
  if (/^Microsoft\.Management\/managementGroups\//i.test(s)) return `/providers/${s.replace(/\/+$/, '')}`;
  return `${scopeId(t)}/providers/${s.replace(/\/+$/, '')}`;
}

/** A scope id read back as a deployment target (for nested deployments with `scope`). */
export function targetOfScopeId(parent: DeploymentTarget, id: string): DeploymentTarget | undefined {
  if (id === '' || id === '/') return { ...parent, kind: 'tenant' };
  let m = /^\/providers\/Microsoft\.Management\/managementGroups\/([^/]+)$/i.exec(id);
  if (m) return { ...parent, kind: 'managementGroup', managementGroup: m[1]! };
  m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i.exec(id);
  if (m) return { ...parent, kind: 'resourceGroup', subscriptionId: m[1]!, resourceGroup: m[2]! };
  m = /^\/subscriptions\/([^/]+)$/i.exec(id);
  if (m) return { ...parent, kind: 'subscription', subscriptionId: m[1]! };
  return undefined;
}

/** Same resource id? Case-insensitive, and `/subscriptions/s/providers/Microsoft.Resources/resourceGroups/x` ≡ `/subscriptions/s/resourceGroups/x`. */
export function canonicalId(id: string): string {
  return id
    .toLowerCase()
    .replace(/^(\/subscriptions\/[^/]+)\/providers\/microsoft\.resources\/resourcegroups\/([^/]+)$/, '$1/resourcegroups/$2')
    .replace(/\/+$/, '');
}

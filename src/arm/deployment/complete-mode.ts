import { COMPLETE_MODE_DELETED, COMPLETE_MODE_NAMESPACES } from './complete-mode-table.js';

/**
 * Whether a Complete-mode deployment deletes a resource of `type` that the template leaves out, as ARM decides it per
 * type (complete-mode-table.ts, the data of Learn's "Deletion of Azure resources for complete mode deployments"):
 * `Microsoft.Web/sites`, `sites/slots`, `Microsoft.ApiManagement/service` yes; `sites/config`, an APIM service's APIs,
 * products and subscriptions, `Microsoft.Authorization/roleAssignments` no — those go only with their parent.
 * A type of a namespace the table does not know (a custom or made-up provider): top-level types are deleted, child
 * types are not [I] (docs/differences.md).
 */
export function deletedByCompleteMode(type: string): boolean {
  const lower = type.toLowerCase();
  if (COMPLETE_MODE_DELETED.has(lower)) return true;
  const slash = lower.indexOf('/');
  if (slash < 0) return false;
  if (COMPLETE_MODE_NAMESPACES.has(lower.slice(0, slash))) return false;
  return lower.split('/').length === 2;
}

/**
 * The resources of `existing` (a resource group's) that a Complete-mode deployment deletes: those it did not write
 * whose type Complete mode deletes, and everything below them (a deleted parent takes its children and the extension
 * resources scoped to it).
 */
export function completeModeDeletions<R extends { id: string; type: string }>(existing: R[], written: (id: string) => boolean, ignore: (type: string) => boolean): R[] {
  const parents = existing.filter((r) => !ignore(r.type) && !written(r.id) && deletedByCompleteMode(r.type)).map((r) => r.id.toLowerCase());
  if (parents.length === 0) return [];
  return existing.filter((r) => {
    if (ignore(r.type) || written(r.id)) return false;
    const id = r.id.toLowerCase();
    return parents.some((p) => id === p || id.startsWith(`${p}/`));
  });
}

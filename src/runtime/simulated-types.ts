/**
 * The resource types whose behaviour the twin runs (listeners, tokens, policies, keys), as opposed to types it only
 * stores so that templates deploy (storage accounts, Application Insights, Log Analytics, Key Vault, plans…): those are
 * "stored, not simulated" in the deployment summary of `trustline up`.
 */
const SIMULATED = new Set(
  [
    'Microsoft.Web/sites',
    'Microsoft.Web/sites/config',
    'Microsoft.Web/sites/functions',
    'Microsoft.ApiManagement/service',
    'Microsoft.ApiManagement/service/apis',
    'Microsoft.ApiManagement/service/apis/operations',
    'Microsoft.ApiManagement/service/apis/policies',
    'Microsoft.ApiManagement/service/apis/operations/policies',
    'Microsoft.ApiManagement/service/policies',
    'Microsoft.ApiManagement/service/products',
    'Microsoft.ApiManagement/service/products/apis',
    'Microsoft.ApiManagement/service/products/policies',
    'Microsoft.ApiManagement/service/subscriptions',
    'Microsoft.ApiManagement/service/namedValues',
    'Microsoft.ApiManagement/service/backends',
    'Microsoft.ApiManagement/service/policyFragments',
    'Microsoft.ManagedIdentity/userAssignedIdentities',
  ].map((t) => t.toLowerCase()),
);

/** Does the twin run this type's behaviour (true) or only store it (false)? */
export function isSimulatedType(type: string): boolean {
  return SIMULATED.has(type.toLowerCase());
}

export { createIdentityService } from './service.js';
export type {
  IdentityOptions,
  IdentityService,
  ManagedIdentityTokenResponse,
  ManagedIdentityTokenRequestInput,
} from './service.js';
export type { Jwk } from './keys/signing-key.js';
export type { JwksDocument } from './keys/jwks.js';
export { IDENTITY_ERROR_CODES } from './errors.js';
export type { IdentityErrorCode } from './errors.js';
export { IDENTITY_OWNER_HEADER } from './routes/app-service-msi.js';
export { V1_ISSUER, V2_ISSUER } from './tokens/claims.js';
export { WELL_KNOWN_RESOURCES } from './tokens/resource-resolver.js';
export { defaultIdentityCompatFlags } from './compat-flags.js';
export type { IdentityCompatFlags } from './compat-flags.js';
export { BUILT_IN_ROLES, rbacRolesAt, roleAssignmentsFor, scopeCovers } from './rbac.js';
export type { RoleAssignmentView } from './rbac.js';
export { federatedCredentialRefusal, MAX_FEDERATED_IDENTITY_CREDENTIALS } from './directory/federated-credential-rule.js';
export type { FederatedCredentialCandidate, FederatedCredentialRefusal } from './directory/federated-credential-rule.js';
export { appRoleAllowsMember } from './directory/app-role-rule.js';
export type { AssignedPrincipalType } from './directory/app-role-rule.js';
export { permissionGrantRefusal, MAX_PERMISSION_GRANT_SCOPE } from './directory/permission-grant-rule.js';
export type { PermissionGrantRefusal } from './directory/permission-grant-rule.js';
export { servicePrincipalIdFor } from './directory/service-principal-id.js';

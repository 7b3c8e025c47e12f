/**
 * The one rule for a delegated permission grant's own fields (Graph `oauth2PermissionGrant`), used by the directory
 * file (`oauth2PermissionGrants[]`) and the Microsoft Graph Bicep extension (`Microsoft.Graph/oauth2PermissionGrants`):
 * `consentType` is `AllPrincipals` (admin consent, no principal) or `Principal` (one user's consent, who must be
 * named); `scope` is at most 3850 characters. Graph's words; `principalField` is how the caller calls the principal
 * (`principalId` in Graph, `principal` in a directory file).
 */
export const MAX_PERMISSION_GRANT_SCOPE = 3850;

export interface PermissionGrantRefusal {
  property: 'consentType' | 'principal' | 'scope';
  message: string;
}

export function permissionGrantRefusal(
  grant: { consentType: string; hasPrincipal: boolean; scope: string },
  principalField: string,
): PermissionGrantRefusal | undefined {
  if (grant.consentType !== 'AllPrincipals' && grant.consentType !== 'Principal') {
    return { property: 'consentType', message: "Invalid value specified for property 'consentType' of resource 'OAuth2PermissionGrant'." };
  }
  if (grant.consentType === 'Principal' && !grant.hasPrincipal) {
    return { property: 'principal', message: `The property '${principalField}' is required when 'consentType' is 'Principal'.` };
  }
  if (grant.consentType === 'AllPrincipals' && grant.hasPrincipal) {
    return { property: 'principal', message: `The property '${principalField}' must be null when 'consentType' is 'AllPrincipals'.` };
  }
  if (grant.scope.length > MAX_PERMISSION_GRANT_SCOPE) {
    return { property: 'scope', message: `The property 'scope' must not exceed ${MAX_PERMISSION_GRANT_SCOPE} characters.` };
  }
  return undefined;
}

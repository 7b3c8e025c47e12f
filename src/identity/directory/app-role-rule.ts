/** The kind of principal an app role assignment names, as Graph's `principalType`. */
export type AssignedPrincipalType = 'User' | 'Group' | 'ServicePrincipal';

/**
 * Whether an app role may be assigned to a principal of this type (one rule for the directory file and the Graph Bicep
 * extension's `appRoleAssignedTo`): users and groups are `User` members, service principals (applications' and managed
 * identities') `Application` members; a role that lists no member types is not restricted. Graph refuses any other
 * assignment with 400 "Permission being assigned was not found on application '{appId}'."
 */
export function appRoleAllowsMember(role: { allowedMemberTypes?: readonly string[] | undefined }, principalType: AssignedPrincipalType): boolean {
  const memberType = principalType === 'ServicePrincipal' ? 'Application' : 'User';
  return role.allowedMemberTypes === undefined || role.allowedMemberTypes.length === 0 || role.allowedMemberTypes.includes(memberType);
}

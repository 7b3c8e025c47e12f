/**
 * Legacy short → long claim-type mapping applied to `X-MS-CLIENT-PRINCIPAL` claims (docs/behaviour/easyauth.md §4.5):
 * the subset of .NET `JwtSecurityTokenHandler.DefaultInboundClaimTypeMap` that Entra tokens use.
 * `roles` stays short unless `WEBSITE_AUTH_USE_LEGACY_CLAIMS=False`.
 */
export const LEGACY_CLAIM_TYPES: Readonly<Record<string, string>> = Object.freeze({
  oid: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  tid: 'http://schemas.microsoft.com/identity/claims/tenantid',
  scp: 'http://schemas.microsoft.com/identity/claims/scope',
  idp: 'http://schemas.microsoft.com/identity/claims/identityprovider',
  sub: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier',
  nameid: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier',
  upn: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  given_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  family_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  unique_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  amr: 'http://schemas.microsoft.com/claims/authnmethodsreferences',
  acr: 'http://schemas.microsoft.com/claims/authnclassreference',
});

export const ROLE_CLAIM_TYPE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
export const NAME_CLAIM_TYPE = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';

export function mapClaimType(short: string, mapRoles: boolean): string {
  if (short === 'roles' || short === 'role') return mapRoles ? ROLE_CLAIM_TYPE : short;
  return LEGACY_CLAIM_TYPES[short] ?? short;
}

/**
 * Identity behaviour Azure does not document (identity spec, unverified items): named flags with
 * the default the twin believes closest to Azure. docs/differences.md lists them.
 */
export interface IdentityCompatFlags {
  /**
   * Status of the App Service MI endpoint when `X-IDENTITY-HEADER` is missing or wrong. No public
   * capture shows it; 401 (default) or 400. The body is `{statusCode, message, correlationId}` either way.
   */
  wrongIdentityHeaderStatus: 401 | 400;
  /**
   * Delegated tokens of a client that holds no oauth2PermissionGrant at all: `true` (default) presumes consent — `scp`
   * is what was asked (every exposed scope for `.default`), as the twin did before it modelled consent, since it has no
   * consent prompt where Entra would ask the user; `false` answers AADSTS65001 consent_required, as Entra does when
   * nothing was consented. A client with at least one grant always gets exactly what its grants give.
   */
  presumeConsentWithoutGrants: boolean;
}

export const defaultIdentityCompatFlags: Readonly<IdentityCompatFlags> = Object.freeze({ wrongIdentityHeaderStatus: 401, presumeConsentWithoutGrants: true });

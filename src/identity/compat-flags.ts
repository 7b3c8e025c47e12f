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
}

export const defaultIdentityCompatFlags: Readonly<IdentityCompatFlags> = Object.freeze({ wrongIdentityHeaderStatus: 401 });

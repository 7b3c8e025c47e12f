/**
 * Entra (AADSTS) wire errors, built from one table. The STS shape is
 * `{error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri}`;
 * msal builds its exception text from `error_codes`, `timestamp`, `error_description`,
 * `correlation_id` and `trace_id`.
 */
export interface AadstsEntry {
  /** Numeric AADSTS code (without the prefix). */
  code: number;
  /** OAuth `error` value. */
  error: string;
  /** HTTP status the STS answers with. */
  status: number;
  /** Description text after `AADSTS<code>: `, before the trace/correlation suffix. */
  text: (args: Record<string, string>) => string;
  /** Entra's `suberror` (e.g. `consent_required`), after the other fields. */
  suberror?: string;
}

const FIC_HINT = 'Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation';

export const AADSTS = {
  resourceNotFound: {
    code: 500011,
    error: 'invalid_resource',
    status: 400,
    text: (a) =>
      `The resource principal named ${a.resource} was not found in the tenant named ${a.tenant}. ` +
      'This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. ' +
      'You might have sent your authentication request to the wrong tenant.',
  },
  tenantNotFound: {
    code: 90002,
    error: 'invalid_tenant',
    status: 400,
    text: (a) =>
      `Tenant '${a.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. ` +
      'Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.',
  },
  missingParameter: {
    code: 900144,
    error: 'invalid_request',
    status: 400,
    text: (a) => `The request body must contain the following parameter: '${a.parameter}'.`,
  },
  unsupportedGrantType: {
    code: 70003,
    error: 'unsupported_grant_type',
    status: 400,
    text: (a) => `The app requested an unsupported grant type '${a.grantType}'.`,
  },
  applicationNotFound: {
    code: 700016,
    error: 'unauthorized_client',
    status: 400,
    text: (a) =>
      `Application with identifier '${a.appId}' was not found in the directory '${a.tenant}'. ` +
      'This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. ' +
      'You may have sent your authentication request to the wrong tenant.',
  },
  invalidClientSecret: {
    code: 7000215,
    error: 'invalid_client',
    status: 401,
    text: (a) =>
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${a.appId}'.`,
  },
  missingClientCredential: {
    code: 7000218,
    error: 'invalid_client',
    status: 401,
    text: () => "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  },
  clientCredentialsScope: {
    code: 1002012,
    error: 'invalid_scope',
    status: 400,
    text: (a) =>
      `The provided value for scope ${a.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  },
  invalidScope: {
    code: 70011,
    error: 'invalid_scope',
    status: 400,
    text: (a) => `The provided value for the input parameter 'scope' is not valid. The scope ${a.scope} is not valid.`,
  },
  resourceParameterNotSupported: {
    code: 901002,
    error: 'invalid_request',
    status: 400,
    text: () => "The 'resource' request parameter is not supported.",
  },
  postOnly: {
    code: 900561,
    error: 'invalid_request',
    status: 400,
    text: (a) => `The endpoint only accepts POST, OPTIONS requests. Received a ${a.method} request.`,
  },
  multipleResources: {
    code: 28000,
    error: 'invalid_scope',
    status: 400,
    text: (a) => `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${a.scope} is not valid.`,
  },
  scopeNotExposed: {
    code: 650053,
    error: 'invalid_scope',
    status: 400,
    text: (a) => `The application asked for scope '${a.scope}' that doesn't exist on the resource '${a.resource}'. Contact the app vendor.`,
  },
  invalidCredentials: {
    code: 50126,
    error: 'invalid_grant',
    status: 400,
    text: () => 'Error validating credentials due to invalid username or password.',
  },
  redirectUriMismatch: {
    code: 50011,
    error: 'invalid_request',
    status: 400,
    text: (a) =>
      `The redirect URI '${a.redirectUri}' specified in the request does not match the redirect URIs configured for the application '${a.appId}'. ` +
      'Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.',
  },
  codeRedirectMismatch: {
    code: 50011,
    error: 'invalid_grant',
    status: 400,
    text: (a) => `The reply address '${a.redirectUri}' does not match the reply address '${a.expected}' provided when requesting Authorization code.`,
  },
  grantExpired: {
    code: 70008,
    error: 'invalid_grant',
    status: 400,
    text: () => 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  },
  codeRedeemed: {
    code: 54005,
    error: 'invalid_grant',
    status: 400,
    text: () => 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  },
  invalidGrant: {
    code: 9002313,
    error: 'invalid_grant',
    status: 400,
    text: () => 'Invalid request. Request is malformed or invalid.',
  },
  pkceMismatch: {
    code: 501481,
    error: 'invalid_grant',
    status: 400,
    text: () => 'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  },
  invalidCodeChallengeMethod: {
    code: 50149,
    error: 'invalid_request',
    status: 400,
    text: () => 'Invalid Code_Challenge_method parameter.',
  },
  unsupportedResponseType: {
    code: 900144,
    error: 'unsupported_response_type',
    status: 400,
    text: (a) => `The response_type '${a.responseType}' is not supported.`,
  },
  clientMismatch: {
    code: 70000,
    error: 'invalid_grant',
    status: 400,
    text: () => "The provided value for the 'code' parameter is not valid. The code was issued to another client.",
  },
  assertionInvalid: {
    code: 700027,
    error: 'invalid_client',
    status: 401,
    text: (a) => `Client assertion failed signature validation. Trace: ${a.reason}`,
  },
  assertionKeyNotFound: {
    code: 700027,
    error: 'invalid_client',
    status: 401,
    text: (a) => `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${a.thumbprint}']`,
  },
  assertionAudience: {
    code: 700212,
    error: 'invalid_client',
    status: 401,
    text: (a) => `No matching federated identity record found for presented assertion audience '${a.audience}'.`,
  },
  assertionExpired: {
    code: 700024,
    error: 'invalid_client',
    status: 401,
    // [O] msal4j #984 (2025), docker-tools #1310 (2024): the times in .NET's round-trip form, 7 fraction digits;
    // "valid from 1970-01-01…" when the assertion has no nbf.
    text: (a) =>
      `Client assertion is not within its valid time range. Current time: ${a.now}, assertion valid from ${a.nbf}, expiry time of assertion ${a.exp}. ` +
      'Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .',
  },
  /*
   * Workload identity federation (federated identity credentials). Evidence, as Entra answered real clients:
   * 700211 issuer / 700213 subject — azure-workload-identity #1200 (2024, 2025), Azure/login #482, dotnet/maui #31978
   * (`invalid_client`; "…presented assertion subject '…'. Check your federated identity credential Subject, Audience
   * and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation");
   * 700212 audience — the same words for 'audience' (arsenvlad/entra-cross-tenant-app-fic-managed-identity lists it as
   * 7002121 in 2024, an audience-specific sub-code); 700226 "Only MSI tokens may be used as Federated Identity
   * Credentials for AAD issuer." (same repository: an app registration's Entra token presented as an assertion);
   * 50166 "Request to External OIDC endpoint failed." (`invalid_request`, 400; azure-workload-identity #642/#1130,
   * Azure/azure-cli #28863); 7000272 key not in the issuer's metadata (azure-workload-identity #1232). 70021 is the
   * older single code for all three mismatches (azure-workload-identity #616, 2022, `invalid_request`).
   */
  consentRequired: {
    code: 65001,
    error: 'invalid_grant',
    status: 400,
    // [O] token-endpoint bodies of refresh and code redemptions (O365/python-o365 #323, MicrosoftDocs/azure-docs #39189):
    // invalid_grant, `"suberror": "consent_required"`; named when the app has a display name (older answers omit it).
    text: (a) => `The user or administrator has not consented to use the application with ID '${a.appId}' named '${a.appName}'. Send an interactive authorization request for this user and resource.`,
    suberror: 'consent_required',
  },
  ficIssuer: {
    code: 700211,
    error: 'invalid_client',
    status: 401,
    text: (a) => `No matching federated identity record found for presented assertion issuer '${a.issuer}'. ${FIC_HINT}`,
  },
  ficSubject: {
    code: 700213,
    error: 'invalid_client',
    status: 401,
    text: (a) => `No matching federated identity record found for presented assertion subject '${a.subject}'. ${FIC_HINT}`,
  },
  ficAudience: {
    code: 700212,
    error: 'invalid_client',
    status: 401,
    text: (a) => `No matching federated identity record found for presented assertion audience '${a.audience}'. ${FIC_HINT}`,
  },
  ficEntraTokenNotManagedIdentity: {
    code: 700226,
    error: 'invalid_client',
    status: 401,
    text: () => 'Only MSI tokens may be used as Federated Identity Credentials for AAD issuer.',
  },
  ficIssuerUnreachable: {
    code: 50166,
    error: 'invalid_request',
    status: 400,
    text: () => 'Request to External OIDC endpoint failed.',
  },
  ficKeyNotFound: {
    code: 7000272,
    error: 'invalid_client',
    status: 401,
    text: (a) =>
      `The certificate with identifier ${a.kid} used to sign the federated credential could not be found in the metadata of identity provider ${a.issuer}. ` +
      "Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token.",
  },
  /*
   * The device authorization grant (RFC 8628) as Entra answers the polls of the token endpoint. [O] 70016
   * authorization_pending "OAuth 2.0 device flow error. Authorization is pending. Continue polling." (ESPTeamsPresence
   * #49, 2025; "Pending end-user authorization." in 2016, adal-node #137); [O] 70020 expired_token "The provided value
   * for the input parameter 'device_code' is not valid. This device code has expired." (Azure/azure-cli #22251,
   * ramosbugs/oauth2-rs #193, 2022); the v1 endpoint names it code_expired (ADAL's "Unexpected polling state
   * code_expired", azure-activedirectory-library-for-python #110). [D] error names authorization_declined and
   * bad_verification_code (Learn, "OAuth 2.0 device authorization grant"); their AADSTS numbers and words are [I]
   * (docs/differences.md): 70018 is Entra's BadVerificationCode, 70017 the number between pending and 70018.
   */
  deviceAuthorizationPending: {
    code: 70016,
    error: 'authorization_pending',
    status: 400,
    text: () => 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
  },
  deviceCodeExpired: {
    code: 70020,
    error: 'expired_token',
    status: 400,
    text: () => "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
  },
  deviceCodeExpiredV1: {
    code: 70020,
    error: 'code_expired',
    status: 400,
    text: () => "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
  },
  deviceAuthorizationDeclined: {
    code: 70017,
    error: 'authorization_declined',
    status: 400,
    text: () => 'OAuth 2.0 device flow error. The user declined the authorization request.',
  },
  badVerificationCode: {
    code: 70018,
    error: 'bad_verification_code',
    status: 400,
    text: () => "The provided value for the input parameter 'device_code' is not valid. The device code is unknown or was already redeemed.",
  },
  assertionSubject: {
    code: 700021,
    error: 'invalid_client',
    status: 401,
    text: (a) => `Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials. (iss/sub ${a.subject})`,
  },
} satisfies Record<string, AadstsEntry>;

export type AadstsName = keyof typeof AADSTS;

export interface AadstsContext {
  traceId: string;
  correlationId: string;
  /** Epoch milliseconds (from the injected clock). */
  nowMs: number;
}

/** `2024-12-27 14:53:13Z`, the STS timestamp format. */
export function stsTimestamp(nowMs: number): string {
  return new Date(nowMs).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** `AADSTS<code>: <text>` without the trace suffix (used inside other surfaces' messages). */
export function aadstsMessage(name: AadstsName, args: Record<string, string>): string {
  const entry: AadstsEntry = AADSTS[name];
  return `AADSTS${entry.code}: ${entry.text(args)}`;
}

export interface AadstsBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

/** The line break inside Entra's `error_description`. */
export const STS_LINE_BREAK = '\r\n';

export function aadstsBody(name: AadstsName, args: Record<string, string>, ctx: AadstsContext): { status: number; body: AadstsBody } {
  const entry: AadstsEntry = AADSTS[name];
  const timestamp = stsTimestamp(ctx.nowMs);
  return {
    status: entry.status,
    body: {
      error: entry.error,
      // Entra ends the message with CRLF-separated lines: "…\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …" (bodies
      // recorded in public issues, e.g. OfficeDev/microsoft-365-agents-toolkit 8621, Azure/sap-automation 418).
      error_description: `${aadstsMessage(name, args)}${STS_LINE_BREAK}Trace ID: ${ctx.traceId}${STS_LINE_BREAK}Correlation ID: ${ctx.correlationId}${STS_LINE_BREAK}Timestamp: ${timestamp}`,
      error_codes: [entry.code],
      timestamp,
      trace_id: ctx.traceId,
      correlation_id: ctx.correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${entry.code}`,
      ...(entry.suberror === undefined ? {} : { suberror: entry.suberror }),
    },
  };
}

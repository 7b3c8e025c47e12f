import { createHash, randomInt } from 'node:crypto';
import { nowSeconds, type Clock, type IdGenerator, type Logger } from '../../core/index.js';
import type { DirectoryObject } from '../../state/index.js';
import type { DirectoryIndex } from '../directory/directory-index.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { GrantStore, UserGrant } from '../signin/grant-store.js';
import type { GrantContext, TokenGrant } from '../routes/token-endpoint.js';
import { roleAndGroupClaims } from './app-token-issuer.js';
import { authenticateClient, type ClientAuthDeps } from './client-auth.js';
import { readDelegatedScopes, type DelegatedGrant } from './delegated-scopes.js';
import { opaqueClaims } from './opaque.js';
import { stsError } from './sts-error.js';
import { buildIdToken, buildUserAccessToken } from './user-claims.js';
import { queryValue } from '../routes/http.js';

export interface UserTokenDeps extends ClientAuthDeps {
  directory: DirectoryIndex;
  keys: KeyRing;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  grants: GrantStore;
  /** Fixed user access-token lifetime; default a random 60–90 minutes, as Entra's default policy. */
  userTokenLifetimeSeconds?: number;
  /** Compat flag (compat-flags.ts): a client without any oauth2PermissionGrant gets the scopes it asks. Default true. */
  presumeConsentWithoutGrants?: boolean;
}

/** ID tokens live one hour. */
export const ID_TOKEN_LIFETIME_SECONDS = 3600;

export interface UserTokens {
  accessToken?: string;
  idToken?: string;
  refreshToken?: string;
  expiresIn: number;
  exp: number;
  nbf: number;
  delegated: DelegatedGrant;
}

/** Mint what a user flow returns: access token (delegated), ID token (when `openid`), refresh token (when `offline_access`). */
export function issueUserTokens(
  deps: UserTokenDeps,
  input: {
    tenantId: string;
    version: 1 | 2;
    client: DirectoryObject;
    authMethod: '0' | '1' | '2';
    user: DirectoryObject;
    delegated: DelegatedGrant;
    ipAddress: string;
    nonce?: string | undefined;
    code?: string;
    want: { accessToken: boolean; idToken: boolean; refreshToken: boolean };
    /** Redeemed cross-origin (an `Origin` header): a single-page app, whose refresh tokens live 24 h. */
    singlePageApp?: boolean;
    grant: Omit<UserGrant, 'authTime'>;
  },
): UserTokens {
  const now = nowSeconds(deps.clock);
  const signer = deps.keys.current();
  const lifetime = deps.userTokenLifetimeSeconds ?? 3600 + randomInt(1801);
  const common = {
    tenantId: input.tenantId,
    user: input.user,
    client: input.client,
    authMethod: input.authMethod,
    nowSeconds: now,
    kid: signer.kid,
    ipAddress: input.ipAddress,
  };
  const app = input.delegated.resource.application;
  let accessToken: string | undefined;
  let exp = now + lifetime;
  let nbf = now - 300;
  if (input.want.accessToken) {
    const t = buildUserAccessToken({
      ...common,
      resource: input.delegated.resource,
      scp: input.delegated.scp,
      lifetimeSeconds: lifetime,
      ...roleAndGroupClaims(deps.directory, input.user.objectId, app, 'accessToken'),
      opaque: opaqueClaims(deps.ids, input.tenantId, app?.appId ?? input.client.appId),
    });
    accessToken = signer.sign(t.header, t.claims);
    exp = t.claims.exp as number;
    nbf = t.claims.nbf as number;
  }
  let idToken: string | undefined;
  if (input.want.idToken) {
    const t = buildIdToken({
      ...common,
      version: input.version,
      lifetimeSeconds: ID_TOKEN_LIFETIME_SECONDS,
      nonce: input.nonce,
      ...(input.code !== undefined ? { code: input.code } : {}),
      ...(accessToken !== undefined ? { accessToken } : {}),
      ...roleAndGroupClaims(deps.directory, input.user.objectId, input.client, 'idToken'),
      opaque: opaqueClaims(deps.ids, input.tenantId, input.client.appId),
    });
    idToken = signer.sign(t.header, t.claims);
  }
  const refreshToken = input.want.refreshToken ? deps.grants.putRefresh({ ...input.grant, authTime: now }, input.singlePageApp === true) : undefined;
  deps.logger.info('issued user tokens', { clientId: input.client.appId, user: input.user.userPrincipalName, resource: input.delegated.resourceName, scp: input.delegated.scp.join(' '), idToken: idToken !== undefined, refreshToken: refreshToken !== undefined });
  return { ...(accessToken ? { accessToken } : {}), ...(idToken ? { idToken } : {}), ...(refreshToken ? { refreshToken } : {}), expiresIn: exp - now, exp, nbf, delegated: input.delegated };
}

/** The token endpoint's JSON for a user flow (v2 numbers; v1 strings with `resource`, `expires_on`). */
export function userTokenResponse(version: 1 | 2, t: UserTokens, clientInfo: string | undefined): Record<string, unknown> {
  if (version === 1) {
    return {
      token_type: 'Bearer',
      scope: t.delegated.scp.join(' '),
      expires_in: String(t.expiresIn),
      ext_expires_in: String(t.expiresIn),
      expires_on: String(t.exp),
      not_before: String(t.nbf),
      resource: t.delegated.resourceName,
      access_token: t.accessToken,
      ...(t.refreshToken ? { refresh_token: t.refreshToken } : {}),
      ...(t.idToken ? { id_token: t.idToken } : {}),
    };
  }
  return {
    token_type: 'Bearer',
    scope: t.delegated.responseScope,
    expires_in: t.expiresIn,
    ext_expires_in: t.expiresIn,
    access_token: t.accessToken,
    ...(t.refreshToken ? { refresh_token: t.refreshToken } : {}),
    ...(t.idToken ? { id_token: t.idToken } : {}),
    ...(clientInfo ? { client_info: clientInfo } : {}),
  };
}

/** MSAL asks for `client_info=1`: base64url `{"uid": oid, "utid": tid}` identifies the account in its cache. */
export function clientInfo(user: DirectoryObject, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: user.objectId, utid: tenantId }), 'utf8').toString('base64url');
}

function pkceHolds(verifier: string | undefined, challenge: string, method: 'S256' | 'plain' | undefined): boolean {
  if (verifier === undefined) return false;
  const computed = method === 'plain' ? verifier : createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return computed === challenge;
}

/** The client of a user grant: it authenticates if it sends a credential; a public client (none) needs PKCE. */
function grantClient(deps: UserTokenDeps, ctx: GrantContext, usedPkce: boolean) {
  const sent = ctx.client.clientSecret !== undefined || ctx.client.clientAssertion !== undefined;
  return authenticateClient(deps, ctx.tenantId, ctx.client, sent || !usedPkce);
}

function userOf(deps: UserTokenDeps, g: UserGrant): DirectoryObject {
  const user = deps.directory.object(g.userObjectId);
  if (!user || user.kind !== 'user') throw stsError('invalidGrant');
  return user;
}

/** `grant_type=authorization_code` (with PKCE for public clients). */
export function authorizationCodeGrant(deps: UserTokenDeps): TokenGrant {
  return (ctx) => {
    const code = queryValue(ctx.form, 'code');
    if (code === undefined) throw stsError('missingParameter', { parameter: 'code' });
    const found = deps.grants.redeemCode(code);
    if (found.kind === 'unknown') throw stsError('invalidGrant');
    if (found.kind === 'used') throw stsError('codeRedeemed');
    if (found.kind === 'expired') throw stsError('grantExpired');
    const g = found.value;
    if (g.tenantId.toLowerCase() !== ctx.tenantId.toLowerCase() || (ctx.client.clientId ?? '').toLowerCase() !== g.clientId.toLowerCase()) throw stsError('clientMismatch');
    const redirectUri = queryValue(ctx.form, 'redirect_uri');
    if (redirectUri === undefined) throw stsError('missingParameter', { parameter: 'redirect_uri' });
    if (redirectUri !== g.redirectUri) throw stsError('codeRedirectMismatch', { redirectUri, expected: g.redirectUri ?? '' });
    if (g.codeChallenge !== undefined && !pkceHolds(queryValue(ctx.form, 'code_verifier'), g.codeChallenge, g.codeChallengeMethod)) throw stsError('pkceMismatch');
    return grantClient(deps, ctx, g.codeChallenge !== undefined).then((client) => finishUserGrant(deps, ctx, client, g, false));
  };
}

/** The tokens of a code or refresh grant: the scope/resource of the request (else the original one's), then the response. */
function finishUserGrant(deps: UserTokenDeps, ctx: GrantContext, client: { app: DirectoryObject; authMethod: '0' | '1' | '2' }, g: UserGrant, refresh: boolean): Record<string, unknown> {
  const user = userOf(deps, g);
  const scope = queryValue(ctx.form, 'scope') ?? g.scope;
  const resource = queryValue(ctx.form, 'resource') ?? g.resource;
  const delegated = readDelegatedScopes(deps.directory, ctx.tenantId, { version: ctx.version, scope, resource }, { client: client.app, userObjectId: user.objectId, presumeWithoutGrants: deps.presumeConsentWithoutGrants ?? true });
  const t = issueUserTokens(deps, {
    tenantId: ctx.tenantId,
    version: ctx.version,
    client: client.app,
    authMethod: client.authMethod,
    user,
    delegated,
    ipAddress: ctx.req.socket.remoteAddress ?? '127.0.0.1',
    nonce: refresh ? undefined : g.nonce,
    want: { accessToken: true, idToken: ctx.version === 1 || delegated.openid, refreshToken: refresh || ctx.version === 1 || delegated.offlineAccess },
    // Entra redeems a single-page app's codes only cross-origin (AADSTS9002327): a browser's Origin header.
    singlePageApp: ctx.req.headers.origin !== undefined,
    grant: { tenantId: ctx.tenantId, version: ctx.version, clientId: client.app.appId, userObjectId: user.objectId, scope, resource },
  });
  return userTokenResponse(ctx.version, t, queryValue(ctx.form, 'client_info') === '1' ? clientInfo(user, ctx.tenantId) : undefined);
}

/** `grant_type=refresh_token`: a new access token (any resource), ID token and refresh token. */
export function refreshTokenGrant(deps: UserTokenDeps): TokenGrant {
  return (ctx) => {
    const token = queryValue(ctx.form, 'refresh_token');
    if (token === undefined) throw stsError('missingParameter', { parameter: 'refresh_token' });
    const found = deps.grants.useRefresh(token);
    if (found.kind === 'unknown' || found.kind === 'used') throw stsError('invalidGrant');
    if (found.kind === 'expired') throw stsError('grantExpired');
    const g = found.value;
    if (g.tenantId.toLowerCase() !== ctx.tenantId.toLowerCase() || (ctx.client.clientId ?? '').toLowerCase() !== g.clientId.toLowerCase()) throw stsError('invalidGrant');
    const sent = ctx.client.clientSecret !== undefined || ctx.client.clientAssertion !== undefined;
    return authenticateClient(deps, ctx.tenantId, ctx.client, sent).then((client) => finishUserGrant(deps, ctx, client, g, true));
  };
}

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:device_code` or `device_code` (msal-node and ADAL send the short name)
 * with `device_code` (v2) or `code` (v1 asks for 'code' — AADSTS900144, MicrosoftDocs/azure-docs #46110). The client first: one
 * that sends a credential authenticates as a confidential client; one that sends none must be a public client
 * (`isFallbackPublicClient`, "Allow public client flows"), else AADSTS7000218 as Entra answers a device code poll of
 * an app without public client flows (msgraph-sample-github-connector-python #6, pnp/powershell #204). Then the
 * code: pending → authorization_pending (70016), cancelled → authorization_declined, after 15 minutes →
 * expired_token (v1 code_expired, 70020), unknown or already redeemed → bad_verification_code; approved → the
 * user's tokens exactly as a code redemption issues them (ID token with `openid`, refresh token with
 * `offline_access`), once.
 */
export function deviceCodeGrant(deps: UserTokenDeps): TokenGrant {
  return async (ctx) => {
    const parameter = ctx.version === 1 ? 'code' : 'device_code';
    const deviceCode = queryValue(ctx.form, parameter);
    if (deviceCode === undefined) throw stsError('missingParameter', { parameter });
    const sent = ctx.client.clientSecret !== undefined || ctx.client.clientAssertion !== undefined;
    const client = await authenticateClient(deps, ctx.tenantId, ctx.client, sent);
    if (!sent && client.app.isFallbackPublicClient !== true) throw stsError('missingClientCredential');
    const polled = deps.grants.pollDevice(deviceCode, ctx.tenantId, client.app.appId);
    switch (polled.kind) {
      case 'pending':
        throw stsError('deviceAuthorizationPending');
      case 'declined':
        throw stsError('deviceAuthorizationDeclined');
      case 'expired':
        throw stsError(ctx.version === 1 ? 'deviceCodeExpiredV1' : 'deviceCodeExpired');
      case 'unknown':
      case 'used':
        throw stsError('badVerificationCode');
    }
    return finishUserGrant(deps, ctx, client, polled.value, false);
  };
}

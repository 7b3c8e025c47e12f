import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTwinError, describeError, type Logger } from '../../core/index.js';
import type { DirectoryObject } from '../../state/index.js';
import { aadstsBody, aadstsMessage, type AadstsName } from '../aadsts.js';
import type { DirectoryIndex } from '../directory/directory-index.js';
import { secretMatches } from '../directory/secrets.js';
import type { TenantSegment } from '../routes/discovery.js';
import { headerValue, queryValue, readForm, sendJson } from '../routes/http.js';
import { readDelegatedScopes } from '../tokens/delegated-scopes.js';
import { stsErrorOf, stsError } from '../tokens/sts-error.js';
import { issueUserTokens, type UserTokenDeps } from '../tokens/user-grants.js';
import type { GrantStore, PendingAuthorization } from './grant-store.js';
import { errorPage, formPostPage, noticePage, PAGE_HEADERS, signInPage } from './sign-in-page.js';

export interface AuthorizeDeps extends UserTokenDeps {
  directory: DirectoryIndex;
  grants: GrantStore;
  logger: Logger;
}

const RESPONSE_TYPES = new Set(['code', 'id_token', 'token', 'code id_token', 'id_token token', 'code id_token token', 'code token']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Does `requested` match a registered redirect URI? Exactly, or — for loopback hosts — ignoring the port,
 * as Entra does for `http://localhost` / `http://127.0.0.1` (the twin also for https, since its sites
 * listen on random loopback ports).
 */
export function redirectUriRegistered(app: DirectoryObject, requested: string): boolean {
  const registered = app.redirectUris ?? [];
  if (registered.includes(requested)) return true;
  let r: URL;
  try {
    r = new URL(requested);
  } catch {
    return false;
  }
  if (!LOOPBACK.has(r.hostname)) return false;
  return registered.some((x) => {
    try {
      const u = new URL(x);
      return LOOPBACK.has(u.hostname) && u.protocol === r.protocol && u.hostname === r.hostname && u.pathname === r.pathname && u.search === r.search;
    } catch {
      return false;
    }
  });
}

export function page(res: ServerResponse, status: number, html: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...PAGE_HEADERS, 'Content-Length': String(Buffer.byteLength(html)) });
  res.end(html);
}

function stsPage(res: ServerResponse, name: AadstsName, args: Record<string, string>): void {
  page(res, 400, errorPage('Sign in', aadstsMessage(name, args)));
}

/** Send the response to the client's redirect URI as `response_mode` says. */
function respond(res: ServerResponse, p: Pick<PendingAuthorization, 'redirectUri' | 'responseMode'>, fields: Record<string, string>): void {
  if (p.responseMode === 'form_post') {
    page(res, 200, formPostPage(p.redirectUri, fields));
    return;
  }
  const params = new URLSearchParams(fields).toString();
  const location = p.responseMode === 'fragment' ? `${p.redirectUri}#${params}` : `${p.redirectUri}${p.redirectUri.includes('?') ? '&' : '?'}${params}`;
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache', 'Content-Length': '0' });
  res.end();
}

/**
 * An error sent back to the client's redirect URI: `error` and Entra's whole `error_description` (the AADSTS message,
 * then its CRLF-separated Trace ID, Correlation ID and Timestamp lines, as in the token endpoint's bodies), `state`.
 */
function errorFields(deps: AuthorizeDeps, e: unknown, state: string | undefined): Record<string, string> {
  const sts = stsErrorOf(e) ?? { name: 'invalidGrant' as AadstsName, args: {} };
  const { body } = aadstsBody(sts.name, sts.args, { traceId: deps.ids.uuid(), correlationId: deps.ids.uuid(), nowMs: deps.clock.now() });
  return { error: body.error, error_description: body.error_description, ...(state !== undefined ? { state } : {}) };
}

/** The tenant an authorize request runs in: the path's tenant, or — for common/organizations — the client's home tenant. */
function authorizeTenant(directory: DirectoryIndex, segment: TenantSegment, clientId: string | undefined): string | undefined {
  if (segment.kind === 'tenant') return segment.tenantId;
  if (segment.kind === 'unknown' || clientId === undefined) return undefined;
  return directory.clientHomeTenant(clientId);
}

/**
 * `GET /{tenant}/oauth2/v2.0/authorize` (and v1 `/oauth2/authorize`): checks the client, redirect URI,
 * response type and scopes, then shows the sign-in page; `POST` of that page checks the user's password
 * and answers the client with a code (PKCE kept with it), an ID token and/or an access token, by
 * `response_mode` (query, fragment, form_post). Errors before the redirect URI is trusted are a page;
 * after, they go back to the client as `error` / `error_description`.
 */
export async function handleAuthorize(deps: AuthorizeDeps, req: IncomingMessage, res: ServerResponse, segment: TenantSegment, version: 1 | 2, query: URLSearchParams, action: string): Promise<void> {
  if (req.method === 'POST') {
    const form = await readForm(req);
    const ctx = form ? queryValue(form, 'ctx') : undefined;
    if (form && ctx !== undefined) return signIn(deps, req, res, form, ctx, action);
    // A client posting its authorize parameters (response_mode form_post requests may come as POST).
    if (form) return start(deps, res, segment, version, form, action);
    page(res, 413, errorPage('Sign in', 'The request is too large.'));
    return;
  }
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(req, res, 405, { error: 'invalid_request', error_description: `The HTTP method ${req.method ?? ''} is not supported.` }, { Allow: 'GET, POST' });
    return;
  }
  start(deps, res, segment, version, query, action);
}

function start(deps: AuthorizeDeps, res: ServerResponse, segment: TenantSegment, version: 1 | 2, q: URLSearchParams, action: string): void {
  if (segment.kind === 'unknown') return stsPage(res, 'tenantNotFound', { tenant: segment.value });
  const clientId = queryValue(q, 'client_id');
  if (clientId === undefined) return stsPage(res, 'missingParameter', { parameter: 'client_id' });
  const tenantId = authorizeTenant(deps.directory, segment, clientId);
  const app = tenantId === undefined ? undefined : deps.directory.application(tenantId, clientId);
  if (!app || tenantId === undefined) return stsPage(res, 'applicationNotFound', { appId: clientId, tenant: segment.kind === 'tenant' ? segment.tenantId : segment.alias });
  const registered = app.redirectUris ?? [];
  const redirectUri = queryValue(q, 'redirect_uri') ?? (registered.length === 1 ? registered[0] : undefined);
  if (redirectUri === undefined) return stsPage(res, 'missingParameter', { parameter: 'redirect_uri' });
  if (!redirectUriRegistered(app, redirectUri)) {
    deps.logger.warn('authorize refused: redirect URI not registered', { clientId, redirectUri, registered });
    return stsPage(res, 'redirectUriMismatch', { redirectUri, appId: clientId });
  }
  const state = queryValue(q, 'state');
  const responseTypeRaw = (queryValue(q, 'response_type') ?? '').split(/\s+/).filter(Boolean).sort((a, b) => ['code', 'id_token', 'token'].indexOf(a) - ['code', 'id_token', 'token'].indexOf(b));
  const responseType = responseTypeRaw.join(' ');
  const modeRaw = queryValue(q, 'response_mode');
  const tokensInResponse = responseTypeRaw.includes('id_token') || responseTypeRaw.includes('token');
  const responseMode = (modeRaw ?? (tokensInResponse ? 'fragment' : 'query')) as PendingAuthorization['responseMode'];
  const back = { redirectUri, responseMode: responseMode === 'query' || responseMode === 'fragment' || responseMode === 'form_post' ? responseMode : 'query' } as const;
  try {
    if (!RESPONSE_TYPES.has(responseType)) throw stsError('unsupportedResponseType', { responseType: queryValue(q, 'response_type') ?? '' });
    if (modeRaw !== undefined && !['query', 'fragment', 'form_post'].includes(modeRaw)) throw stsError('missingParameter', { parameter: 'response_mode' });
    if (tokensInResponse && responseMode === 'query') throw stsError('unsupportedResponseType', { responseType: `${responseType} with response_mode=query` });
    const nonce = queryValue(q, 'nonce');
    if (responseTypeRaw.includes('id_token') && nonce === undefined && version === 2) throw stsError('missingParameter', { parameter: 'nonce' });
    const challenge = queryValue(q, 'code_challenge');
    const methodRaw = queryValue(q, 'code_challenge_method');
    if (methodRaw !== undefined && methodRaw !== 'S256' && methodRaw !== 'plain') throw stsError('invalidCodeChallengeMethod');
    const scope = queryValue(q, 'scope');
    const resource = queryValue(q, 'resource');
    if (version === 2 && scope === undefined) throw stsError('missingParameter', { parameter: 'scope' });
    readDelegatedScopes(deps.directory, tenantId, { version, scope, resource }); // the scopes must name one known resource
    const pending: PendingAuthorization = {
      tenantId,
      version,
      clientId: app.appId,
      redirectUri,
      responseType: responseTypeRaw,
      responseMode,
      scope,
      resource,
      state,
      nonce,
      codeChallenge: challenge,
      codeChallengeMethod: challenge === undefined ? undefined : ((methodRaw ?? 'plain') as 'S256' | 'plain'),
      loginHint: queryValue(q, 'login_hint'),
    };
    const ctx = deps.grants.putPending(pending);
    showForm(deps, res, pending, ctx, action, pending.loginHint ?? '');
  } catch (e) {
    if (!stsErrorOf(e)) {
      deps.logger.error('authorize failed', { error: describeError(e) });
      page(res, 500, errorPage('Sign in', 'Internal error in the Trustline sign-in service.'));
      return;
    }
    deps.logger.warn('authorize refused', { clientId, error: isTwinError(e) ? e.details : undefined });
    respond(res, back, errorFields(deps, e, state));
  }
}

/** The sign-in form for a pending request (an authorize request, or a device code's sign-in with its Cancel button). */
export function showForm(deps: AuthorizeDeps, res: ServerResponse, p: PendingAuthorization, ctx: string, action: string, username: string, error?: string): void {
  const client = deps.directory.application(p.tenantId, p.clientId);
  const users = deps.directory.users(p.tenantId).map((u) => ({ userPrincipalName: u.userPrincipalName ?? '', displayName: u.displayName, canSignIn: u.password !== undefined }));
  page(res, 200, signInPage({ action, ctx, tenantId: p.tenantId, clientName: client?.displayName ?? p.clientId, username, users, ...(error ? { error } : {}), ...(p.deviceCode !== undefined ? { device: true } : {}) }));
}

/**
 * A posted sign-in form (`ctx`, `username`, `password`): the directory user's password is checked, then the pending
 * request is answered — an authorize request at its redirect URI, a device code by approving it (the device's next
 * poll gets the tokens). A device code's form may instead be posted with `decline` (Cancel).
 */
export function signIn(deps: AuthorizeDeps, req: IncomingMessage, res: ServerResponse, form: URLSearchParams, ctx: string, action: string): void {
  const p = deps.grants.getPending(ctx);
  if (!p) {
    page(res, 400, errorPage('Sign in', 'This sign-in request has expired or is unknown. Go back to the application and sign in again.'));
    return;
  }
  if (p.deviceCode !== undefined && form.get('decline') !== null) {
    deps.grants.dropPending(ctx);
    deps.grants.answerDevice(p.deviceCode, undefined);
    deps.logger.info('device code sign-in declined', { clientId: p.clientId });
    page(res, 200, noticePage('Sign in', 'You have declined to sign in to the application on your device. You may now close this window.'));
    return;
  }
  const username = queryValue(form, 'username') ?? '';
  const password = form.get('password') ?? '';
  const user = deps.directory.user(p.tenantId, username);
  if (!user || !user.password || !secretMatches(password, user.password)) {
    deps.logger.warn('sign-in refused', { username, reason: !user ? 'no such user in the tenant' : !user.password ? 'the user has no password in the directory' : 'wrong password' });
    showForm(deps, res, p, ctx, action, username, aadstsMessage('invalidCredentials', {}));
    return;
  }
  deps.grants.dropPending(ctx);
  const client = deps.directory.application(p.tenantId, p.clientId);
  if (!client) {
    stsPage(res, 'applicationNotFound', { appId: p.clientId, tenant: p.tenantId });
    return;
  }
  const grant = { tenantId: p.tenantId, version: p.version, clientId: p.clientId, userObjectId: user.objectId, scope: p.scope, resource: p.resource };
  if (p.deviceCode !== undefined) {
    const approved = deps.grants.answerDevice(p.deviceCode, { ...grant, authTime: Math.floor(deps.clock.now() / 1000) });
    deps.logger.info(approved ? 'device code approved' : 'device code sign-in too late', { user: user.userPrincipalName, clientId: p.clientId });
    if (approved) page(res, 200, noticePage(client.displayName, `You have signed in to the ${client.displayName} application on your device. You may now close this window.`));
    else page(res, 400, errorPage('Sign in', 'That code has expired. Go back to your app or device and get a new code.'));
    return;
  }
  try {
    const fields: Record<string, string> = {};
    let code: string | undefined;
    if (p.responseType.includes('code')) {
      code = deps.grants.putCode({ ...grant, redirectUri: p.redirectUri, nonce: p.nonce, codeChallenge: p.codeChallenge, codeChallengeMethod: p.codeChallengeMethod, authTime: Math.floor(deps.clock.now() / 1000) });
      fields.code = code;
    }
    const wantsIdToken = p.responseType.includes('id_token');
    const wantsToken = p.responseType.includes('token');
    if (wantsIdToken || wantsToken) {
      const delegated = readDelegatedScopes(deps.directory, p.tenantId, { version: p.version, scope: p.scope, resource: p.resource }, { client, userObjectId: user.objectId, presumeWithoutGrants: deps.presumeConsentWithoutGrants ?? true });
      const t = issueUserTokens(deps, {
        tenantId: p.tenantId,
        version: p.version,
        client,
        authMethod: '0',
        user,
        delegated,
        ipAddress: headerValue(req, 'x-forwarded-for') ?? req.socket.remoteAddress ?? '127.0.0.1',
        nonce: p.nonce,
        ...(code !== undefined ? { code } : {}),
        want: { accessToken: wantsToken, idToken: wantsIdToken, refreshToken: false },
        grant,
      });
      if (t.accessToken) {
        fields.access_token = t.accessToken;
        fields.token_type = 'Bearer';
        fields.expires_in = String(t.expiresIn);
        fields.scope = p.version === 2 ? delegated.responseScope : delegated.scp.join(' ');
      }
      if (t.idToken) fields.id_token = t.idToken;
    }
    if (p.state !== undefined) fields.state = p.state;
    fields.session_state = deps.ids.uuid();
    deps.logger.info('signed in', { user: user.userPrincipalName, clientId: p.clientId, responseType: p.responseType.join(' ') });
    respond(res, p, fields);
  } catch (e) {
    if (!stsErrorOf(e)) throw e;
    respond(res, p, errorFields(deps, e, p.state));
  }
}

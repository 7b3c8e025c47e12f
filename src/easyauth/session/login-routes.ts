import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError, nowSeconds, type Clock, type HttpClient, type Logger } from '../../core/index.js';
import type { EasyAuthCompatFlags } from '../compat-flags.js';
import { buildClientPrincipal, formatExpiresOn, stringClaim, userNameOf } from '../principal/client-principal.js';
import type { AuthSettings, AzureActiveDirectorySettings } from '../settings/types.js';
import type { Claims } from '../token/validate-token.js';
import type { Authenticator } from '../pipeline/authenticate.js';
import { authorize, type AppSwitches } from '../pipeline/authorize.js';
import { sendJson, sendRedirect, sendStatus } from '../pipeline/responses.js';
import { addStep, type AuthDecision } from '../pipeline/trace.js';
import type { RequestInfo } from '../pipeline/request-info.js';
import { redirectAllowed } from './redirects.js';
import { appendSetCookie, clearedSessionCookie, sessionCookie } from './cookies.js';
import type { NonceStore } from './nonce-store.js';
import type { Session, SessionStore } from './session-store.js';

export interface SessionRoutesDeps {
  settings: AuthSettings;
  aad: AzureActiveDirectorySettings | undefined;
  appSettings: Record<string, string>;
  authenticator: Authenticator;
  sessions: SessionStore;
  nonces: NonceStore;
  httpClient: HttpClient;
  clock: Clock;
  logger: Logger;
  flags: EasyAuthCompatFlags;
  switches: AppSwitches;
  mapRoles: boolean;
  /**
   * The Entra authorize endpoint as a browser on this machine reaches it: inside the twin the metadata
   * names `https://login.microsoftonline.com/…`, which only the twin resolves; a request that came to a
   * loopback address is sent to the identity listener's own origin instead.
   */
  browserIdentityOrigin?: string;
}

const HTML = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache, no-store' };
const DONE_PAGE = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Authentication</title></head><body><p>You have successfully signed in</p><p><a href="/">Return to the website</a></p></body></html>';
const LOGGED_OUT_PAGE = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Signed out</title></head><body><p>You have been signed out.</p></body></html>';

function html(res: ServerResponse, status: number, body: string, extra: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...HTML, 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

/** Stable id of a user for this site: `sid:` + hex, from issuer and object id (as `user.userId` of a client-directed login). */
export function stableSid(claims: Claims): string {
  const id = stringClaim(claims, 'oid') ?? stringClaim(claims, 'sub') ?? '';
  return `sid:${createHash('sha256').update(`${String(claims.iss)}|${id}`).digest('hex').slice(0, 32)}`;
}

/**
 * Lifetime of a new (or refreshed) session: FixedTime → `timeToExpiration` (default 8 h) from now;
 * IdentityProviderDerived → the provider tokens' own expiry. `/.auth/refresh` may renew it until
 * `tokenRefreshExtensionHours` (default 72) after that.
 */
export function sessionTimes(login: AuthSettings['login'], now: number, tokensExpireAt: number): { expiresAt: number; refreshableUntil: number } {
  const ce = login.cookieExpiration;
  const expiresAt = ce.convention === 'IdentityProviderDerived' ? tokensExpireAt : now + ce.timeToExpirationSeconds;
  return { expiresAt, refreshableUntil: expiresAt + Math.round(login.tokenStore.tokenRefreshExtensionHours * 3600) };
}

/** Server-directed login (`GET {prefix}/login/aad`): 302 to the Entra authorize endpoint. */
export async function startLogin(deps: SessionRoutesDeps, res: ServerResponse, info: RequestInfo, d: AuthDecision): Promise<void> {
  const aad = deps.aad;
  const clientId = aad?.registration.clientId;
  if (!aad || !aad.enabled || clientId === undefined) {
    addStep(d, 'login', false, 'the azureActiveDirectory provider is not configured');
    d.status = 404;
    return sendStatus(res, 404);
  }
  const q = new URLSearchParams(info.pathAndQuery.includes('?') ? info.pathAndQuery.slice(info.pathAndQuery.indexOf('?') + 1) : '');
  const after = q.get('post_login_redirect_uri') ?? q.get('post_login_redirect_url') ?? '/.auth/login/done';
  if (!redirectAllowed(after, info.host, deps.settings.login.allowedExternalRedirectUrls)) {
    addStep(d, 'login', false, `post_login_redirect_uri '${after}' is neither on this site nor in allowedExternalRedirectUrls`);
    d.status = 400;
    return sendStatus(res, 400);
  }
  let md;
  try {
    md = await deps.authenticator.metadata();
  } catch (e) {
    addStep(d, 'login', false, `OIDC metadata: ${describeError(e)}`);
    d.status = 500;
    return sendStatus(res, 500);
  }
  if (md.authorizationEndpoint === undefined) {
    addStep(d, 'login', false, 'the OIDC metadata has no authorization_endpoint');
    d.status = 500;
    return sendStatus(res, 500);
  }
  const secret = secretOf(deps);
  const nonce = deps.nonces.issue();
  const params = new URLSearchParams({
    response_type: secret !== undefined ? 'code id_token' : 'id_token',
    redirect_uri: `${info.scheme}://${info.host}${deps.settings.httpSettings.routes.apiPrefix}/login/aad/callback`,
    client_id: clientId,
    scope: 'openid profile email',
    response_mode: 'form_post',
    nonce,
    state: `redir=${encodeURIComponent(after)}`,
  });
  // loginParameters (`key=value`) are added to the authorize request; a key already there is replaced.
  for (const lp of aad.login.loginParameters) {
    const i = lp.indexOf('=');
    if (i > 0) params.set(lp.slice(0, i).trim(), lp.slice(i + 1).trim());
  }
  // A login query's own domain_hint / login_hint pass through, as App Service forwards them.
  for (const k of ['login_hint', 'domain_hint']) {
    const v = q.get(k);
    if (v) params.set(k, v);
  }
  const endpoint = browserEndpoint(deps, md.authorizationEndpoint, info.host);
  d.outcome = 'auth-route';
  d.status = 302;
  addStep(d, 'login', true, `redirect to the identity provider (${params.get('response_type')})`);
  return sendRedirect(res, `${endpoint}?${params.toString().replace(/\+/g, '%20')}`);
}

/** The authorize endpoint a browser can follow (see SessionRoutesDeps.browserIdentityOrigin). */
function browserEndpoint(deps: SessionRoutesDeps, endpoint: string, host: string): string {
  const origin = deps.browserIdentityOrigin;
  const hostName = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  const local = hostName === '127.0.0.1' || hostName === 'localhost' || hostName === '::1';
  if (!origin || !local) return endpoint;
  return endpoint.replace(/^https:\/\/(login\.microsoftonline\.com|login\.windows\.net|sts\.windows\.net)(?=\/)/i, origin);
}

function secretOf(deps: SessionRoutesDeps): string | undefined {
  const name = deps.aad?.registration.clientSecretSettingName;
  if (name === undefined) return undefined;
  const v = deps.appSettings[name];
  return v === undefined || v === '' ? undefined : v;
}

interface TokenResponse {
  access_token?: string;
  id_token?: string;
  refresh_token?: string;
  expires_in?: number | string;
  error?: string;
  error_description?: string;
}

async function tokenRequest(deps: SessionRoutesDeps, form: Record<string, string>): Promise<{ status: number; body: TokenResponse }> {
  const md = await deps.authenticator.metadata();
  if (md.tokenEndpoint === undefined) throw new Error('the OIDC metadata has no token_endpoint');
  const res = await deps.httpClient.request(md.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
    headersTimeoutMs: 30_000,
    bodyTimeoutMs: 30_000,
  });
  const text = await res.body.text();
  let body: TokenResponse = {};
  try {
    body = JSON.parse(text) as TokenResponse;
  } catch {
    body = { error: 'invalid_response', error_description: text.slice(0, 200) };
  }
  return { status: res.statusCode, body };
}

/** `{prefix}/login/aad/callback`: the identity provider's form_post (or query) with the ID token and code. */
export async function loginCallback(deps: SessionRoutesDeps, req: IncomingMessage, res: ServerResponse, info: RequestInfo, d: AuthDecision): Promise<void> {
  const text = req.method === 'POST' ? await readBody(req) : (req.resume(), info.pathAndQuery.split('?')[1] ?? '');
  const form = new URLSearchParams(text ?? '');
  const fail = (status: number, why: string): void => {
    addStep(d, 'login-callback', false, why);
    d.status = status;
    deps.logger.warn(`login callback refused: ${why}`);
    html(res, status, `<!DOCTYPE html><html><body><p>${status === 401 ? 'You do not have permission to view this directory or page.' : 'Bad Request'}</p></body></html>`);
  };
  const error = form.get('error');
  if (error) return fail(401, `the identity provider answered ${error}: ${form.get('error_description') ?? ''}`);
  const idToken = form.get('id_token');
  if (!idToken) return fail(401, 'no id_token in the callback');
  const checked = await deps.authenticator.validate(idToken, d);
  if (checked.kind !== 'valid') return fail(401, `id_token refused: ${checked.kind === 'invalid' ? checked.reason : checked.kind}`);
  const claims = checked.verified.claims;
  if (deps.settings.login.nonce.validateNonce && !deps.nonces.consume(stringClaim(claims, 'nonce'))) {
    return fail(401, 'id_token nonce is unknown or expired (login.nonce.validateNonce)');
  }
  const state = form.get('state') ?? '';
  const after = state.startsWith('redir=') ? decodeURIComponent(state.slice(6)) : '/.auth/login/done';
  if (!redirectAllowed(after, info.host, deps.settings.login.allowedExternalRedirectUrls)) return fail(400, `state names a redirect '${after}' that is not allowed`);

  const now = nowSeconds(deps.clock);
  let accessToken: string | undefined;
  let refreshToken: string | undefined;
  let finalIdToken = idToken;
  let tokensExpireAt = checked.verified.exp;
  const code = form.get('code');
  const secret = secretOf(deps);
  if (code && secret !== undefined) {
    const r = await tokenRequest(deps, {
      grant_type: 'authorization_code',
      client_id: deps.aad!.registration.clientId!,
      client_secret: secret,
      code,
      redirect_uri: `${info.scheme}://${info.host}${deps.settings.httpSettings.routes.apiPrefix}/login/aad/callback`,
    });
    if (r.status !== 200 || !r.body.access_token) return fail(401, `code redemption failed (${r.status}): ${r.body.error_description ?? r.body.error ?? ''}`);
    accessToken = r.body.access_token;
    refreshToken = r.body.refresh_token;
    if (r.body.id_token) finalIdToken = r.body.id_token;
    tokensExpireAt = now + Number(r.body.expires_in ?? 3600);
  }
  const times = sessionTimes(deps.settings.login, now, tokensExpireAt);
  const { session, cookie } = deps.sessions.create({
    sid: stableSid(claims),
    claims,
    idToken: finalIdToken,
    ...(accessToken ? { accessToken } : {}),
    ...(refreshToken ? { refreshToken } : {}),
    tokensExpireAt,
    ...times,
    origin: 'cookie',
  });
  d.outcome = 'auth-route';
  d.status = 302;
  addStep(d, 'login-callback', true, `signed in ${userNameOf(claims) ?? session.sid}; session until ${new Date(session.expiresAt * 1000).toISOString()}`);
  deps.logger.info(`signed in ${userNameOf(claims) ?? session.sid}`);
  appendSetCookie(res, sessionCookie(cookie, info.scheme === 'https', session.expiresAt));
  return sendRedirect(res, after);
}

/** Client-directed login (`POST {prefix}/login/aad` with `{"access_token"[, "id_token", …]}`): a session for a token the app got itself. */
export async function clientDirectedLogin(deps: SessionRoutesDeps, req: IncomingMessage, res: ServerResponse, d: AuthDecision): Promise<void> {
  const text = await readBody(req);
  let body: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text ?? '') as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    body = {};
  }
  const accessToken = typeof body.access_token === 'string' && body.access_token !== '' ? body.access_token : undefined;
  if (!accessToken) {
    addStep(d, 'login', false, "client-directed login without 'access_token'");
    d.status = 400;
    return sendJson(res, 400, { code: 400, message: "'access_token' field is required." });
  }
  const checked = await deps.authenticator.validate(accessToken, d);
  if (checked.kind === 'config-error') {
    d.status = 500;
    return sendStatus(res, 500);
  }
  if (checked.kind !== 'valid') {
    d.status = 401;
    return sendStatus(res, 401);
  }
  if (deps.aad) {
    const z = authorize(checked.verified.claims, deps.aad, deps.switches, deps.flags, d.steps);
    if (!z.ok) {
      d.status = z.status;
      return sendStatus(res, z.status);
    }
  }
  let claims = checked.verified.claims;
  let idToken: string | undefined;
  if (typeof body.id_token === 'string' && body.id_token !== '') {
    const idc = await deps.authenticator.validate(body.id_token, d);
    if (idc.kind !== 'valid') {
      d.status = 401;
      return sendStatus(res, 401);
    }
    idToken = body.id_token;
    claims = idc.verified.claims;
  }
  const now = nowSeconds(deps.clock);
  const times = sessionTimes(deps.settings.login, now, checked.verified.exp);
  const { session } = deps.sessions.create({
    sid: stableSid(claims),
    claims,
    accessToken,
    ...(idToken ? { idToken } : {}),
    ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}),
    tokensExpireAt: checked.verified.exp,
    ...times,
    origin: 'client-directed',
  });
  d.status = 200;
  addStep(d, 'login', true, `client-directed login: session ${session.sid}`);
  return sendJson(res, 200, { authenticationToken: deps.sessions.zumoToken(session), user: { userId: session.sid } });
}

/** `/.auth/me` for a session: the token store entry (docs/behaviour/easyauth.md §4.7). */
export function meForSession(deps: SessionRoutesDeps, res: ServerResponse, s: Session, d: AuthDecision): void {
  d.status = 200;
  const entry: Record<string, unknown> = {};
  if (s.accessToken) entry.access_token = s.accessToken;
  entry.expires_on = formatExpiresOn(s.tokensExpireAt);
  if (s.idToken) entry.id_token = s.idToken;
  entry.provider_name = 'aad';
  if (s.refreshToken) entry.refresh_token = s.refreshToken;
  entry.user_claims = buildClientPrincipal(s.claims, { mapRoles: deps.mapRoles }).claims;
  entry.user_id = userNameOf(s.claims) ?? stringClaim(s.claims, 'oid') ?? s.sid;
  sendJson(res, 200, [entry]);
}

/**
 * `/.auth/refresh`: new provider tokens from the refresh token (needs the client secret), and — within
 * `tokenRefreshExtensionHours` after the session expired — a renewed session.
 */
export async function refreshSession(deps: SessionRoutesDeps, res: ServerResponse, s: Session, d: AuthDecision): Promise<void> {
  const secret = secretOf(deps);
  if (!s.refreshToken || secret === undefined) {
    addStep(d, 'refresh', false, !s.refreshToken ? 'the token store holds no refresh token (add offline_access to loginParameters)' : 'no client secret (clientSecretSettingName)');
    d.status = 401;
    return sendStatus(res, 401);
  }
  const r = await tokenRequest(deps, { grant_type: 'refresh_token', client_id: deps.aad!.registration.clientId!, client_secret: secret, refresh_token: s.refreshToken });
  if (r.status !== 200 || !r.body.access_token) {
    addStep(d, 'refresh', false, `refresh failed (${r.status}): ${r.body.error_description ?? r.body.error ?? ''}`);
    d.status = 401;
    return sendStatus(res, 401);
  }
  const now = nowSeconds(deps.clock);
  s.accessToken = r.body.access_token;
  if (r.body.refresh_token) s.refreshToken = r.body.refresh_token;
  if (r.body.id_token) s.idToken = r.body.id_token;
  s.tokensExpireAt = now + Number(r.body.expires_in ?? 3600);
  const times = sessionTimes(deps.settings.login, now, s.tokensExpireAt);
  s.expiresAt = Math.max(s.expiresAt, times.expiresAt);
  s.refreshableUntil = Math.max(s.refreshableUntil, times.refreshableUntil);
  d.status = 200;
  addStep(d, 'refresh', true, `tokens refreshed; session until ${new Date(s.expiresAt * 1000).toISOString()}`);
  res.writeHead(200, { 'content-length': '0' });
  res.end();
}

/** `/.auth/logout`: end the session, clear the cookie, go to `post_logout_redirect_uri` (allow-listed) or `/.auth/logout/complete`. */
export function logout(deps: SessionRoutesDeps, res: ServerResponse, info: RequestInfo, s: Session | undefined, d: AuthDecision): void {
  const q = new URLSearchParams(info.pathAndQuery.includes('?') ? info.pathAndQuery.slice(info.pathAndQuery.indexOf('?') + 1) : '');
  const target = q.get('post_logout_redirect_uri') ?? `${deps.settings.httpSettings.routes.apiPrefix}/logout/complete`;
  if (!redirectAllowed(target, info.host, deps.settings.login.allowedExternalRedirectUrls)) {
    addStep(d, 'logout', false, `post_logout_redirect_uri '${target}' is neither on this site nor in allowedExternalRedirectUrls`);
    d.status = 400;
    return sendStatus(res, 400);
  }
  if (s) deps.sessions.delete(s);
  appendSetCookie(res, clearedSessionCookie(info.scheme === 'https'));
  d.status = 302;
  addStep(d, 'logout', true, s ? 'session ended' : 'no session');
  return sendRedirect(res, target);
}

export function donePage(res: ServerResponse, d: AuthDecision): void {
  d.status = 200;
  html(res, 200, DONE_PAGE);
}

export function loggedOutPage(res: ServerResponse, d: AuthDecision): void {
  d.status = 200;
  html(res, 200, LOGGED_OUT_PAGE);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EasyAuthCompatFlags } from '../compat-flags.js';
import { buildClientPrincipal, formatExpiresOn, stringClaim, userNameOf } from '../principal/client-principal.js';
import type { AuthSettings } from '../settings/types.js';
import { principalSummary, type Authenticator } from './authenticate.js';
import { authorize, type AppSwitches } from './authorize.js';
import { sendJson, sendStatus } from './responses.js';
import { addStep, type AuthDecision } from './trace.js';
import type { RequestInfo } from './request-info.js';
import { nowSeconds } from '../../core/index.js';
import { clientDirectedLogin, donePage, loggedOutPage, loginCallback, logout, meForSession, refreshSession, startLogin, type SessionRoutesDeps } from '../session/login-routes.js';
import { findSession, policyClaims } from '../session/session-auth.js';

export interface AuthRouteContext {
  settings: AuthSettings;
  authenticator: Authenticator;
  switches: AppSwitches;
  flags: EasyAuthCompatFlags;
  mapRoles: boolean;
  /** 401 headers (WWW-Authenticate) for this request. */
  challenge: Record<string, string>;
  /** The sign-in and session routes. */
  session: SessionRoutesDeps;
  info: RequestInfo;
}

/**
 * `{apiPrefix}/*` (docs/behaviour/easyauth.md §4.7): `/login/aad` (GET: server-directed login, 302 to Entra; POST: client-directed
 * login), `/login/aad/callback`, `/login/done`, `/me` (token store on: 200 array / 401; off: 404),
 * `/refresh`, `/logout`, `/logout/complete`. Anything else answers 404.
 */
export async function handleAuthRoute(
  req: IncomingMessage,
  res: ServerResponse,
  sub: string,
  c: AuthRouteContext,
  d: AuthDecision,
): Promise<void> {
  d.outcome = 'auth-route';
  const route = sub.toLowerCase().replace(/\/+$/, '');
  const sd = c.session;
  const logoutRoute = (c.settings.login.routes.logoutEndpoint ?? '').toLowerCase().replace(/\/+$/, '');
  switch (route) {
    case '/login/aad':
      return req.method === 'POST' ? clientDirectedLogin(sd, req, res, d) : (req.resume(), startLogin(sd, res, c.info, d));
    case '/login/aad/callback':
      return loginCallback(sd, req, res, c.info, d);
    case '/login/done':
      req.resume();
      return donePage(res, d);
    case '/logout/complete':
    case '/logout/done':
      req.resume();
      return loggedOutPage(res, d);
    case '/logout':
      req.resume();
      return logout(sd, res, c.info, findSession(req, sd.sessions), d);
    case '/refresh': {
      req.resume();
      const s = findSession(req, sd.sessions);
      if (!s || s.refreshableUntil <= nowSeconds(sd.clock)) {
        addStep(d, 'refresh', false, s ? 'the session ended more than tokenRefreshExtensionHours ago' : 'no session');
        d.status = 401;
        return sendStatus(res, 401, c.challenge);
      }
      return refreshSession(sd, res, s, d);
    }
    default:
      break;
  }
  if (logoutRoute !== '' && route === logoutRoute) {
    req.resume();
    return logout(sd, res, c.info, findSession(req, sd.sessions), d);
  }
  if (route !== '/me') {
    addStep(d, 'auth-route', false, `${c.settings.httpSettings.routes.apiPrefix}${sub} is not served by the twin`);
    d.status = 404;
    return sendStatus(res, 404);
  }
  if (!c.settings.login.tokenStore.enabled) {
    addStep(d, 'auth-route', false, '/.auth/me needs login.tokenStore.enabled');
    d.status = 404;
    return sendStatus(res, 404);
  }
  const authn = await c.authenticator.authenticate(req, d);
  if (authn.kind === 'config-error') {
    d.outcome = 'error';
    d.errorCode = authn.error.code;
    addStep(d, 'config', false, authn.error.message);
    d.status = 500;
    return sendStatus(res, 500);
  }
  if (authn.kind !== 'valid') {
    if (c.flags.meUnauthenticated === 'empty-array' && authn.kind === 'none') {
      d.status = 200;
      return sendJson(res, 200, []);
    }
    d.status = 401;
    return sendStatus(res, 401, c.challenge);
  }
  const aad = c.settings.identityProviders.azureActiveDirectory;
  if (c.flags.authorizeAuthMe && aad) {
    const z = authorize(policyClaims(authn.verified.claims, authn.session?.value, aad.registration.clientId), aad, c.switches, c.flags, d.steps);
    if (!z.ok) {
      d.status = z.status;
      return sendStatus(res, z.status);
    }
  }
  d.principal = principalSummary(authn.verified);
  if (authn.session) return meForSession(sd, res, authn.session.value, d);
  const { claims, exp } = authn.verified;
  d.status = 200;
  sendJson(res, 200, [
    {
      access_token: authn.token,
      expires_on: formatExpiresOn(exp),
      provider_name: 'aad',
      user_claims: buildClientPrincipal(claims, { mapRoles: c.mapRoles }).claims,
      user_id: userNameOf(claims) ?? stringClaim(claims, 'oid') ?? stringClaim(claims, 'sub') ?? '',
    },
  ]);
}

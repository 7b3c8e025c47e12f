import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EasyAuthCompatFlags } from '../compat-flags.js';
import { buildClientPrincipal, formatExpiresOn, stringClaim, userNameOf } from '../principal/client-principal.js';
import type { AuthSettings } from '../settings/types.js';
import { principalSummary, type Authenticator } from './authenticate.js';
import { authorize, type AppSwitches } from './authorize.js';
import { sendJson, sendStatus } from './responses.js';
import { addStep, type AuthDecision } from './trace.js';

export interface AuthRouteContext {
  settings: AuthSettings;
  authenticator: Authenticator;
  switches: AppSwitches;
  flags: EasyAuthCompatFlags;
  mapRoles: boolean;
  /** 401 headers (WWW-Authenticate) for this request. */
  challenge: Record<string, string>;
}

/**
 * `{apiPrefix}/*` (docs/behaviour/easyauth.md §4.7). Implemented: `/me` (token store on: 200 array / 401; off: 404).
 * Everything else — login, callback, logout, refresh — answers 404: the twin has no
 * interactive login or session store yet (documented in docs/differences.md (Easy Auth)).
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
    const z = authorize(authn.verified.claims, aad, c.switches, c.flags, d.steps);
    if (!z.ok) {
      d.status = z.status;
      return sendStatus(res, z.status);
    }
  }
  const { claims, exp } = authn.verified;
  d.principal = principalSummary(authn.verified);
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

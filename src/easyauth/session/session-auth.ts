import { formatExpiresOn, identityHeaders, type IdentityHeaderOptions } from '../principal/client-principal.js';
import type { VerifiedToken } from '../token/token-cache.js';
import type { Claims } from '../token/validate-token.js';
import type { IncomingMessage } from 'node:http';
import { sessionCookieOf } from './cookies.js';
import type { Session, SessionStore } from './session-store.js';

/**
 * What a session-authenticated request carries to the app: the principal headers from the session's
 * claims (the ID token's for a browser sign-in), and — with the token store on — the provider tokens
 * (`X-MS-TOKEN-AAD-ID-TOKEN`, `-ACCESS-TOKEN`, `-EXPIRES-ON`, `-REFRESH-TOKEN`, docs/behaviour/easyauth.md §4.5).
 */
export function sessionVerified(s: Session, o: IdentityHeaderOptions): VerifiedToken {
  const headers = identityHeaders(s.accessToken ?? '', s.claims, s.tokensExpireAt, { ...o, tokenHeaders: false });
  if (o.tokenHeaders) {
    if (s.idToken) headers['x-ms-token-aad-id-token'] = s.idToken;
    if (s.accessToken) headers['x-ms-token-aad-access-token'] = s.accessToken;
    headers['x-ms-token-aad-expires-on'] = formatExpiresOn(s.tokensExpireAt);
    if (s.refreshToken) headers['x-ms-token-aad-refresh-token'] = s.refreshToken;
  }
  return { claims: s.claims, exp: s.expiresAt, nbf: 0, headers, summary: `session ${s.sid} (${s.origin})` };
}

/** The session a request names by `X-ZUMO-AUTH` or the session cookie, expired or not (refresh and logout need both). */
export function findSession(req: IncomingMessage, sessions: SessionStore): Session | undefined {
  const zumo = req.headers['x-zumo-auth'];
  if (typeof zumo === 'string') return sessions.byZumo(zumo.trim());
  const cookie = sessionCookieOf(req);
  return cookie === undefined ? undefined : sessions.byCookie(cookie);
}

/**
 * The claims the authorization policy sees. A browser session rests on an ID token, issued to this site's
 * own client id and carrying no `appid`/`azp`: the caller is the site itself, so `allowedApplications`
 * sees the site's client id (the portal's default `[own client id]` lets its own users in).
 */
export function policyClaims(claims: Claims, session: Session | undefined, clientId: string | undefined): Claims {
  if (!session || clientId === undefined || claims.appid !== undefined || claims.azp !== undefined) return claims;
  return { ...claims, azp: clientId };
}

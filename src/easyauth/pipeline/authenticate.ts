import type { IncomingMessage } from 'node:http';
import { TwinError, isTwinError, nowSeconds, type Clock, type HttpClient, type Logger } from '../../core/index.js';
import type { EasyAuthCompatFlags } from '../compat-flags.js';
import { identityHeaders, stringClaim, userNameOf } from '../principal/client-principal.js';
import type { AzureActiveDirectorySettings } from '../settings/types.js';
import { parseIssuer, type IssuerInfo } from '../token/issuer.js';
import { OidcKeyStore, type OidcMetadata } from '../token/oidc-key-store.js';
import { sessionCookieOf } from '../session/cookies.js';
import { sessionVerified } from '../session/session-auth.js';
import type { Session, SessionStore } from '../session/session-store.js';
import { VerifiedTokenCache, type VerifiedToken } from '../token/token-cache.js';
import { lifetimeOk, validateBearerToken } from '../token/validate-token.js';
import { addStep, sharedStep, type AuthDecision } from './trace.js';

export type AuthnResult =
  | { kind: 'none' }
  | { kind: 'valid'; token: string; verified: VerifiedToken; /** Set when a session (cookie or X-ZUMO-AUTH) authenticated the request. */ session?: { value: Session; via: 'cookie' | 'zumo' } }
  | { kind: 'invalid'; reason: string; /** X-ZUMO-AUTH: always 401 (docs/behaviour/easyauth.md §4.1 step 6) */ session: boolean }
  | { kind: 'config-error'; error: TwinError };

export interface AuthenticatorOptions {
  aad: AzureActiveDirectorySettings | undefined;
  tokenStoreEnabled: boolean;
  /** WEBSITE_AUTH_USE_LEGACY_CLAIMS=False */
  mapRoles: boolean;
  httpClient: HttpClient;
  clock: Clock;
  logger: Logger;
  flags: EasyAuthCompatFlags;
  onVerify?: () => void;
  /** The site's sign-in sessions (`AppServiceAuthSession` cookie, `X-ZUMO-AUTH`). */
  sessions?: SessionStore;
}

export interface Authenticator {
  authenticate(req: IncomingMessage, d: AuthDecision): Promise<AuthnResult>;
  /**
   * What `authenticate` answers when the request's credential is a bearer token verified earlier and still in its
   * lifetime (the verified-token cache), without a promise; undefined otherwise, with nothing recorded in `d`.
   */
  cached(req: IncomingMessage, d: AuthDecision): AuthnResult | undefined;
  /** Validate one token (bearer rules: signature, issuer, audience, lifetime) — also ID tokens of the login flow. */
  validate(token: string, d: AuthDecision): Promise<AuthnResult>;
  /** The issuer's OIDC metadata (authorize and token endpoints for the login flow). */
  metadata(): Promise<OidcMetadata>;
  /** Tenant segment of the configured issuer (for WWW-Authenticate), or `common`. */
  readonly tenant: string;
}

const BEARER_PRESENT = sharedStep('credential', true, 'bearer token present');

/** The Authorization value read last and its token: a caller repeating its header costs a comparison, and the same token string. */
let lastAuthorization = '';
let lastBearer: string | undefined;
function bearerOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  if (h === lastAuthorization) return lastBearer;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(h);
  lastAuthorization = h;
  lastBearer = m?.[1];
  return lastBearer;
}

/** Finds the caller's credential and validates it (docs/behaviour/easyauth.md §4.1 steps 5–6, §4.2), with the verified-token cache. */
export function createAuthenticator(o: AuthenticatorOptions): Authenticator {
  const { aad, flags, clock } = o;
  const enabled = aad !== undefined && aad.enabled;
  let issuer: IssuerInfo | TwinError | undefined;
  if (enabled) {
    const raw = aad.registration.openIdIssuer;
    if (raw === undefined) issuer = new TwinError('ERR_EASYAUTH_ISSUER_MISSING', 'identityProviders.azureActiveDirectory.registration.openIdIssuer is not set');
    else {
      try {
        issuer = parseIssuer(raw);
      } catch (e) {
        issuer = isTwinError(e) ? e : new TwinError('ERR_EASYAUTH_ISSUER_INVALID', String(e));
      }
    }
  }
  const keys = issuer && !(issuer instanceof TwinError)
    ? new OidcKeyStore({
        metadataUrl: issuer.metadataUrl,
        httpClient: o.httpClient,
        clock,
        logger: o.logger,
        cacheSeconds: flags.metadataCacheSeconds,
        refetchMinIntervalSeconds: flags.jwksRefetchMinIntervalSeconds,
      })
    : undefined;
  const cache = new VerifiedTokenCache(flags.tokenCache ? flags.tokenCacheSize : 0);
  const headerOptions = {
    mapRoles: o.mapRoles,
    principalIdClaim: flags.principalIdClaim,
    tokenHeaders: o.tokenStoreEnabled && flags.tokenHeadersForBearer,
  };

  /** A live session, or why not (expired sessions stay in the store for /.auth/refresh). */
  const live = (s: Session | undefined): s is Session => s !== undefined && s.expiresAt > nowSeconds(clock);
  const sessionResult = (s: Session, via: 'cookie' | 'zumo', d: AuthDecision): AuthnResult => {
    addStep(d, 'credential', true, `${via === 'zumo' ? 'X-ZUMO-AUTH' : 'AppServiceAuthSession cookie'}: session ${s.sid} until ${new Date(s.expiresAt * 1000).toISOString()}`);
    return { kind: 'valid', token: s.accessToken ?? '', verified: sessionVerified(s, { ...headerOptions, tokenHeaders: o.tokenStoreEnabled }), session: { value: s, via } };
  };

  const authenticate = async (req: IncomingMessage, d: AuthDecision): Promise<AuthnResult> => {
    // X-ZUMO-AUTH wins over the cookie (docs/behaviour/easyauth.md §4.1 step 5); an unknown or expired one is a 401 whatever the action.
    const zumo = req.headers['x-zumo-auth'];
    if (zumo !== undefined) {
      const s = typeof zumo === 'string' ? o.sessions?.byZumo(zumo.trim()) : undefined;
      if (live(s)) return sessionResult(s, 'zumo', d);
      addStep(d, 'credential', false, s ? 'X-ZUMO-AUTH session expired' : 'X-ZUMO-AUTH session token is not known');
      return { kind: 'invalid', reason: s ? 'expired X-ZUMO-AUTH session token' : 'unknown X-ZUMO-AUTH session token', session: true };
    }
    const token = bearerOf(req);
    if (token === undefined) {
      // A bearer token is preferred over the cookie when both are sent (docs/behaviour/easyauth.md §4.1 step 5, [I]).
      const cookie = o.sessions ? sessionCookieOf(req) : undefined;
      if (cookie !== undefined) {
        const s = o.sessions!.byCookie(cookie);
        if (live(s)) return sessionResult(s, 'cookie', d);
        addStep(d, 'credential', false, s ? 'the session cookie has expired' : 'the session cookie names no session');
        return { kind: 'none' };
      }
      addStep(d, 'credential', false, 'no bearer token');
      return { kind: 'none' };
    }
    return validate(token, d);
  };

  const cached = (req: IncomingMessage, d: AuthDecision): AuthnResult | undefined => {
    if (!enabled || req.headers['x-zumo-auth'] !== undefined) return undefined;
    if (aad.registration.clientId === undefined || issuer instanceof TwinError || issuer === undefined || keys === undefined) return undefined;
    const token = bearerOf(req);
    if (token === undefined) return undefined;
    const hit = cacheHit(token);
    if (!hit) return undefined;
    d.steps.push(BEARER_PRESENT);
    return tokenFromCache(token, hit, d);
  };

  const cacheHit = (token: string): VerifiedToken | undefined => {
    const hit = cache.get(token, nowSeconds(clock), flags.clockSkewSeconds);
    return hit && lifetimeOk(hit.exp, hit.nbf, clock, flags.clockSkewSeconds) ? hit : undefined;
  };

  const tokenFromCache = (token: string, hit: VerifiedToken, d: AuthDecision): AuthnResult => {
    d.tokenCache = 'hit';
    d.steps.push((hit.hitStep ??= sharedStep('token', true, `verified earlier (cache): ${hit.summary}`)));
    return { kind: 'valid', token, verified: hit };
  };

  const validate = async (token: string, d: AuthDecision): Promise<AuthnResult> => {
    if (!enabled) {
      addStep(d, 'credential', false, 'bearer token ignored: the azureActiveDirectory provider is not enabled');
      return { kind: 'none' };
    }
    d.steps.push(BEARER_PRESENT);
    const clientId = aad.registration.clientId;
    if (clientId === undefined) {
      return { kind: 'config-error', error: new TwinError('ERR_EASYAUTH_CLIENT_ID_MISSING', 'identityProviders.azureActiveDirectory.registration.clientId is not set') };
    }
    if (issuer instanceof TwinError || issuer === undefined || keys === undefined) {
      return { kind: 'config-error', error: issuer instanceof TwinError ? issuer : new TwinError('ERR_EASYAUTH_ISSUER_MISSING', 'no issuer') };
    }

    const hit = cacheHit(token);
    if (hit) return tokenFromCache(token, hit, d);
    d.tokenCache = 'miss';
    let result;
    try {
      const validatorOptions = {
        issuer, clientId, allowedAudiences: aad.validation.allowedAudiences, keys, clock, flags,
        ...(o.onVerify ? { onVerify: o.onVerify } : {}),
      };
      result = await validateBearerToken(token, validatorOptions, d.steps);
    } catch (e) {
      // Metadata and JWKS failures are coded (500, a configuration error); anything else is a bug and
      // goes to the handler's internal-error path with its own message, never disguised as a metadata error.
      if (!isTwinError(e)) throw e;
      return { kind: 'config-error', error: e };
    }
    if (!result.ok) return { kind: 'invalid', reason: result.reason, session: false };
    const verified: VerifiedToken = {
      claims: result.claims,
      exp: result.exp,
      nbf: result.nbf,
      headers: identityHeaders(token, result.claims, result.exp, headerOptions),
      summary: `iss ${String(result.claims.iss)}, aud ${String(result.claims.aud)}`,
    };
    cache.set(token, verified);
    return { kind: 'valid', token, verified };
  };

  const metadata = async (): Promise<OidcMetadata> => {
    if (!keys) throw issuer instanceof TwinError ? issuer : new TwinError('ERR_EASYAUTH_ISSUER_MISSING', 'no issuer');
    return keys.metadata();
  };

  return { authenticate, cached, validate, metadata, tenant: issuer && !(issuer instanceof TwinError) ? issuer.tenant : 'common' };
}

/** Ids for the trace (never token material). */
export function principalSummary(v: VerifiedToken): NonNullable<AuthDecision['principal']> {
  const out: NonNullable<AuthDecision['principal']> = {};
  const id = stringClaim(v.claims, 'oid') ?? stringClaim(v.claims, 'sub');
  if (id) out.id = id;
  const name = userNameOf(v.claims);
  if (name) out.name = name;
  const app = stringClaim(v.claims, 'appid') ?? stringClaim(v.claims, 'azp');
  if (app) out.appId = app;
  const tid = stringClaim(v.claims, 'tid');
  if (tid) out.tenantId = tid;
  return out;
}

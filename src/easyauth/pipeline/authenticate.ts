import type { IncomingMessage } from 'node:http';
import { TwinError, isTwinError, nowSeconds, type Clock, type HttpClient, type Logger } from '../../core/index.js';
import type { EasyAuthCompatFlags } from '../compat-flags.js';
import { identityHeaders, stringClaim, userNameOf } from '../principal/client-principal.js';
import type { AzureActiveDirectorySettings } from '../settings/types.js';
import { parseIssuer, type IssuerInfo } from '../token/issuer.js';
import { OidcKeyStore } from '../token/oidc-key-store.js';
import { VerifiedTokenCache, type VerifiedToken } from '../token/token-cache.js';
import { lifetimeOk, validateBearerToken } from '../token/validate-token.js';
import { addStep, type AuthDecision } from './trace.js';

export type AuthnResult =
  | { kind: 'none' }
  | { kind: 'valid'; token: string; verified: VerifiedToken }
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
}

export interface Authenticator {
  authenticate(req: IncomingMessage, d: AuthDecision): Promise<AuthnResult>;
  /** Tenant segment of the configured issuer (for WWW-Authenticate), or `common`. */
  readonly tenant: string;
}

function bearerOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
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

  const authenticate = async (req: IncomingMessage, d: AuthDecision): Promise<AuthnResult> => {
    if (req.headers['x-zumo-auth'] !== undefined) {
      addStep(d, 'credential', false, 'X-ZUMO-AUTH session token is not known (the twin keeps no sessions)');
      return { kind: 'invalid', reason: 'unknown X-ZUMO-AUTH session token', session: true };
    }
    const token = bearerOf(req);
    if (token === undefined) {
      addStep(d, 'credential', false, 'no bearer token');
      return { kind: 'none' };
    }
    if (!enabled) {
      addStep(d, 'credential', false, 'bearer token ignored: the azureActiveDirectory provider is not enabled');
      return { kind: 'none' };
    }
    addStep(d, 'credential', true, 'bearer token present');
    const clientId = aad.registration.clientId;
    if (clientId === undefined) {
      return { kind: 'config-error', error: new TwinError('ERR_EASYAUTH_CLIENT_ID_MISSING', 'identityProviders.azureActiveDirectory.registration.clientId is not set') };
    }
    if (issuer instanceof TwinError || issuer === undefined || keys === undefined) {
      return { kind: 'config-error', error: issuer instanceof TwinError ? issuer : new TwinError('ERR_EASYAUTH_ISSUER_MISSING', 'no issuer') };
    }

    const cached = cache.get(token, nowSeconds(clock), flags.clockSkewSeconds);
    if (cached && lifetimeOk(cached.exp, cached.nbf, clock, flags.clockSkewSeconds)) {
      d.tokenCache = 'hit';
      addStep(d, 'token', true, `verified earlier (cache): ${cached.summary}`);
      return { kind: 'valid', token, verified: cached };
    }
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

  return { authenticate, tenant: issuer && !(issuer instanceof TwinError) ? issuer.tenant : 'common' };
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

import type { IncomingMessage } from 'node:http';
import type { createLocalJWKSet, JWTPayload, JSONWebKeySet } from 'jose';
import { describeError, type Clock, type HttpClient, type Logger } from '../../core/index.js';
import { armHttpError, type ArmHttpError } from './wire.js';

export interface BearerAuthOptions {
  tenantId: string;
  /** Fetches the identity service's public OIDC metadata and JWKS (`login.microsoftonline.com` is mapped to the twin). */
  httpClient: HttpClient;
  clock: Clock;
  logger: Logger;
  /** How often an unknown `kid` may refetch the JWKS (key rollover). */
  refetchMinIntervalMs?: number;
}

/** The authenticated caller, for authorization and logs. */
export interface ArmCaller {
  objectId: string | undefined;
  appId: string | undefined;
  tenantId: string | undefined;
  claims: JWTPayload;
}

/** Audiences ARM accepts, exactly (ARM's `InvalidAuthenticationTokenAudience` lists them), plus the twin's own URL. */
export const ARM_AUDIENCES = ['https://management.core.windows.net/', 'https://management.core.windows.net', 'https://management.azure.com/', 'https://management.azure.com'];

const CLOCK_SKEW_SECONDS = 300;

/** .NET's invariant `G` format, as ARM writes times in its token messages (`11/29/2026 12:00:00 PM`). */
function dotnetTime(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/**
 * ARM's bearer authentication: a token the twin's Entra ID signed (RS256, keys from its public JWKS), issued
 * for the twin's tenant (v1 or v2 issuer), for an ARM audience, within its lifetime (5 min skew). Failures are
 * ARM's 401 bodies with a `WWW-Authenticate: Bearer authorization_uri=…` challenge.
 */
// jose is loaded with the first bearer token, not with the twin: `trustline up` starts faster (bench/RESULTS.md).
let joseModule: Promise<typeof import('jose')> | undefined;
const loadJose = () => (joseModule ??= import('jose'));

export function createBearerAuthenticator(o: BearerAuthOptions): (req: IncomingMessage, controlPlaneUrl: string) => Promise<ArmCaller> {
  const authority = `https://login.windows.net/${o.tenantId}`;
  const v1 = `https://sts.windows.net/${o.tenantId}/`;
  const v2 = `https://login.microsoftonline.com/${o.tenantId}/v2.0`;
  const metadataUrl = `https://login.microsoftonline.com/${o.tenantId}/v2.0/.well-known/openid-configuration`;
  const refetchMs = o.refetchMinIntervalMs ?? 5 * 60_000;
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<ReturnType<typeof createLocalJWKSet>> | undefined;

  const load = (): Promise<ReturnType<typeof createLocalJWKSet>> => {
    inflight ??= (async () => {
      const md = (await o.httpClient.getJson(metadataUrl)) as { jwks_uri?: unknown };
      if (typeof md?.jwks_uri !== 'string') throw new Error(`OIDC metadata ${metadataUrl} has no jwks_uri`);
      const jwks = (await o.httpClient.getJson(md.jwks_uri)) as JSONWebKeySet;
      keys = (await loadJose()).createLocalJWKSet(jwks);
      fetchedAt = o.clock.now();
      return keys;
    })().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  const challenge = (error: string, description: string) => ({
    'www-authenticate': `Bearer authorization_uri="${authority}", error="${error}", error_description="${description}"`,
  });
  const invalid = (message = 'The access token is invalid.'): ArmHttpError =>
    armHttpError(401, 'InvalidAuthenticationToken', message, {}).withHeaders(challenge('invalid_token', message));

  return async (req, controlPlaneUrl) => {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      throw armHttpError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.").withHeaders({
        'www-authenticate': `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
      });
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) {
      throw armHttpError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.").withHeaders({
        'www-authenticate': `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of invalid 'Authorization' header format."`,
      });
    }
    const token = m[1]!;
    let payload: JWTPayload;
    const { jwtVerify, errors: joseErrors } = await loadJose();
    try {
      const verify = async (set: ReturnType<typeof createLocalJWKSet>) =>
        (await jwtVerify(token, set, { algorithms: ['RS256'], currentDate: new Date(o.clock.now()), clockTolerance: CLOCK_SKEW_SECONDS })).payload;
      try {
        payload = await verify(keys ?? (await load()));
      } catch (e) {
        if (!(e instanceof joseErrors.JWKSNoMatchingKey) || o.clock.now() - fetchedAt < refetchMs) throw e;
        payload = await verify(await load());
      }
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) {
        const exp = typeof e.payload.exp === 'number' ? e.payload.exp * 1000 : 0;
        const message = `The access token expiry UTC time '${dotnetTime(exp)}' is earlier than current UTC time '${dotnetTime(o.clock.now())}'.`;
        throw armHttpError(401, 'ExpiredAuthenticationToken', message).withHeaders(challenge('invalid_token', 'The access token has expired.'));
      }
      if (e instanceof joseErrors.JOSEError) {
        o.logger.info(`control plane: bearer token refused: ${e.code}: ${e.message}`);
        throw invalid();
      }
      o.logger.error(`control plane: cannot check bearer tokens: ${describeError(e)}`);
      throw armHttpError(500, 'InternalServerError', 'Encountered an internal server error.');
    }
    const iss = typeof payload.iss === 'string' ? payload.iss : '';
    if (iss !== v1 && iss !== v2) {
      const message = `The access token is from the wrong issuer '${iss}'. It must match the tenant '${v1}' associated with this subscription. Please use the authority (URL) '${authority}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`;
      throw armHttpError(401, 'InvalidAuthenticationTokenTenant', message).withHeaders(challenge('invalid_token', 'The access token is from the wrong issuer.'));
    }
    const allowed = [...ARM_AUDIENCES, `${controlPlaneUrl}/`, controlPlaneUrl];
    const auds = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud];
    if (!auds.some((a) => allowed.includes(a))) {
      const message = `The access token has been obtained for wrong audience or resource '${auds.join(',')}'. It should exactly match with one of the allowed audiences ${allowed.map((a) => `'${a}'`).join(',')}.`;
      throw armHttpError(401, 'InvalidAuthenticationTokenAudience', message).withHeaders(challenge('invalid_token', 'The access token has been obtained from wrong audience or resource.'));
    }
    const str = (k: string) => (typeof payload[k] === 'string' ? (payload[k] as string) : undefined);
    return { objectId: str('oid'), appId: str('appid') ?? str('azp'), tenantId: str('tid'), claims: payload };
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError, type Clock, type IdGenerator, type Logger } from '../../core/index.js';
import { aadstsBody, aadstsMessage } from '../aadsts.js';
import type { DirectoryIndex } from '../directory/directory-index.js';
import { issueAppToken, resolveForSts, type AppTokenIssuerDeps } from '../tokens/app-token-issuer.js';
import { authenticateClient, basicCredentials, type ClientAuthDeps, type ClientCredentialsInput } from '../tokens/client-auth.js';
import { stsError, stsErrorOf } from '../tokens/sts-error.js';
import type { TenantSegment } from './discovery.js';
import { headerValue, queryValue, readForm, sendJson } from './http.js';

export interface TokenEndpointDeps extends AppTokenIssuerDeps, ClientAuthDeps {
  directory: DirectoryIndex;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** Grants beyond client_credentials (authorization_code, refresh_token), keyed by grant_type. */
  grants?: Record<string, TokenGrant>;
}

/** A grant handler: returns the JSON body of a successful token response, or throws an STS error. */
export type TokenGrant = (ctx: GrantContext) => Promise<Record<string, unknown>> | Record<string, unknown>;

export interface GrantContext {
  tenantId: string;
  version: 1 | 2;
  form: URLSearchParams;
  client: ClientCredentialsInput;
  req: IncomingMessage;
  /** The tenant segment of the path (a tenant id, or `common`/`organizations`). */
  segment?: TenantSegment;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** OpenID scopes that may ride along with a resource scope. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

const NO_CACHE = { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' };

/** The tenant a token request is for: a known tenant id; `common`/`organizations` → the client's own tenant. */
export function tenantFor(deps: { directory: DirectoryIndex }, segment: TenantSegment, clientId: string | undefined): string {
  if (segment.kind === 'tenant') return segment.tenantId;
  if (segment.kind === 'unknown') throw stsError('tenantNotFound', { tenant: segment.value });
  const home = deps.directory.clientHomeTenant(clientId);
  if (home !== undefined) return home;
  throw stsError('applicationNotFound', { appId: clientId ?? '', tenant: segment.alias });
}

/** v2 client credentials: exactly one `<resource>/.default` (OpenID scopes ignored) → the resource. */
export function defaultScopeResource(scope: string): string {
  const parts = scope.split(/\s+/).filter((s) => s !== '' && !OIDC_SCOPES.has(s.toLowerCase()));
  const defaults = parts.filter((p) => /\/\.default$/i.test(p));
  if (parts.length !== 1 || defaults.length !== 1) throw stsError('clientCredentialsScope', { scope });
  return defaults[0]!.replace(/\/\.default$/i, '');
}

async function clientCredentialsGrant(deps: TokenEndpointDeps, ctx: GrantContext): Promise<Record<string, unknown>> {
  const { form, version, tenantId } = ctx;
  let resourceName: string;
  if (version === 1) {
    const r = queryValue(form, 'resource');
    if (r === undefined) throw stsError('missingParameter', { parameter: 'resource' });
    resourceName = r;
  } else {
    if (queryValue(form, 'resource') !== undefined) throw stsError('resourceParameterNotSupported');
    const scope = queryValue(form, 'scope');
    if (scope === undefined) throw stsError('missingParameter', { parameter: 'scope' });
    resourceName = defaultScopeResource(scope);
  }
  const client = await authenticateClient(deps, tenantId, ctx.client);
  const resource = resolveForSts(deps.directory, resourceName, tenantId);
  const t = await issueAppToken(deps, { tenantId, client: client.app, authMethod: client.authMethod === '2' ? '2' : '1', resource });
  deps.logger.info('issued app token (client credentials)', { clientId: client.app.appId, resource: resourceName, version: resource.version, exp: t.exp });
  return version === 1
    ? {
        token_type: 'Bearer',
        expires_in: String(t.expiresIn),
        ext_expires_in: String(t.expiresIn),
        expires_on: String(t.exp),
        not_before: String(t.nbf),
        resource: resourceName,
        access_token: t.accessToken,
      }
    : { token_type: 'Bearer', expires_in: t.expiresIn, ext_expires_in: t.expiresIn, access_token: t.accessToken };
}

/** What an STS JSON endpoint needs (the token endpoint, the device authorization endpoint). */
export interface StsEndpointDeps {
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

/**
 * One POST form endpoint of the STS answering JSON: `run` returns the success body or throws an STS error, which goes
 * out as Entra's body (`error`, `error_description` with the AADSTS code, `error_codes`, `timestamp`, `trace_id`,
 * `correlation_id`, `error_uri`); the correlation id is the client's `client-request-id` when it sends one, as Entra
 * does. Not POST → AADSTS900561; a body over the form limit → 413.
 */
export async function runStsEndpoint(deps: StsEndpointDeps, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, run: (form: URLSearchParams) => Promise<Record<string, unknown>>): Promise<void> {
  const traceId = deps.ids.uuid();
  const requested = headerValue(req, 'client-request-id') ?? queryValue(query, 'client-request-id');
  const correlationId = requested !== undefined && GUID.test(requested) ? requested : deps.ids.uuid();
  const headers = { ...NO_CACHE, 'x-ms-request-id': traceId, ...(requested !== undefined && GUID.test(requested) ? { 'client-request-id': requested } : {}) };
  const fail = (e: unknown): void => {
    const sts = stsErrorOf(e);
    if (!sts) {
      deps.logger.error('token endpoint failed', { error: describeError(e), correlationId });
      sendJson(req, res, 500, { error: 'server_error', error_description: 'Internal error in the Trustline token service.', correlation_id: correlationId }, headers);
      return;
    }
    const { status, body } = aadstsBody(sts.name, sts.args, { traceId, correlationId, nowMs: deps.clock.now() });
    // Polling a device code answers authorization_pending every few seconds: not worth a warning each time.
    const level = body.error === 'authorization_pending' ? 'debug' : 'warn';
    deps.logger[level]('token request refused', { error: body.error, code: body.error_codes[0], reason: aadstsMessage(sts.name, sts.args), correlationId });
    sendJson(req, res, status, body, headers);
  };

  if (req.method !== 'POST') {
    req.resume();
    fail(stsError('postOnly', { method: req.method ?? 'GET' }));
    return;
  }
  const form = await readForm(req);
  if (!form) {
    sendJson(req, res, 413, { error: 'invalid_request', error_description: 'The request body is too large.', correlation_id: correlationId }, headers);
    return;
  }
  try {
    sendJson(req, res, 200, await run(form), headers);
  } catch (e) {
    fail(e);
  }
}

/** The client's credentials as a request sends them: form fields or `Authorization: Basic`. */
export function clientCredentialsOf(req: IncomingMessage, form: URLSearchParams): ClientCredentialsInput {
  const basic = basicCredentials(headerValue(req, 'authorization'));
  return {
    clientId: queryValue(form, 'client_id') ?? basic?.id,
    clientSecret: queryValue(form, 'client_secret') ?? basic?.secret,
    clientAssertion: queryValue(form, 'client_assertion'),
    clientAssertionType: queryValue(form, 'client_assertion_type'),
  };
}

/**
 * `POST /{tenant}/oauth2/token` (v1, `resource=`) and `POST /{tenant}/oauth2/v2.0/token` (v2, `scope=`).
 * Client authentication by `client_secret` (form or Basic) or certificate `client_assertion`; other grants
 * (authorization code, refresh token, device code) from `deps.grants`. Errors as {@link runStsEndpoint}.
 */
export function handleTokenEndpoint(deps: TokenEndpointDeps, req: IncomingMessage, res: ServerResponse, segment: TenantSegment, version: 1 | 2, query: URLSearchParams): Promise<void> {
  return runStsEndpoint(deps, req, res, query, async (form) => {
    const client = clientCredentialsOf(req, form);
    const grantType = queryValue(form, 'grant_type');
    if (grantType === undefined) throw stsError('missingParameter', { parameter: 'grant_type' });
    const tenantId = tenantFor(deps, segment, client.clientId);
    const ctx: GrantContext = { tenantId, version, form, client, req, segment };
    if (grantType === 'client_credentials') return clientCredentialsGrant(deps, ctx);
    const grant = deps.grants?.[grantType];
    if (!grant) throw stsError('unsupportedGrantType', { grantType });
    return grant(ctx);
  });
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError, type Clock, type IdGenerator, type Logger } from '../../core/index.js';
import type { DirectoryObject } from '../../state/index.js';
import { aadstsBody } from '../aadsts.js';
import type { DirectoryIndex } from '../directory/directory-index.js';
import { buildJwks, v2KeyIssuer } from '../keys/jwks.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { IssuedManagedIdentityToken, ManagedIdentityTokenRequest } from '../tokens/managed-identity.js';
import { handleAppServiceMsi } from './app-service-msi.js';
import { DiscoveryDocuments, classifyTenant, type TenantSegment } from './discovery.js';
import { hostIsOurs, publicOrigin } from './host-guard.js';
import { parseRequestUrl, sendJson } from './http.js';
import { handleImds } from './imds.js';
import { handleTokenEndpoint, type TokenEndpointDeps } from './token-endpoint.js';
import { ADMIN_PREFIX, handleAdmin, type AdminDeps } from './admin.js';
import { handleAuthorize, type AuthorizeDeps } from '../signin/authorize.js';
import { handleLogout } from '../signin/logout.js';
import { handleInstanceDiscovery } from './instance-discovery.js';
import { handleDeviceAuthorization, handleDeviceVerification } from '../signin/device-code.js';

export interface IdentityHandlerDeps {
  tenantId: string;
  identityHeader: string;
  wrongIdentityHeaderStatus: 401 | 400;
  directory: DirectoryIndex;
  keys: KeyRing;
  issue: (req: ManagedIdentityTokenRequest, eligible?: (mi: DirectoryObject) => boolean) => IssuedManagedIdentityToken;
  /** Which managed identities IMDS may hand out (only those attached to the "machine"). */
  imdsEligible: (mi: DirectoryObject) => boolean;
  token: TokenEndpointDeps;
  admin: AdminDeps;
  /** The authorize endpoint and its sign-in page. */
  authorize: AuthorizeDeps;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const METADATA_HEADERS = { 'Cache-Control': 'max-age=86400, private', 'Access-Control-Allow-Origin': '*' };

function same(segments: string[], ...expected: string[]): boolean {
  return segments.length === expected.length && expected.every((s, i) => segments[i] === s);
}

/**
 * All identity routes on one handler. Requests whose Host is not this listener's (DNS rebinding) are
 * refused first. Paths are matched case-insensitively, `//` and trailing `/` are tolerated:
 * - `/{tenant}/.well-known/openid-configuration`, `/{tenant}/v2.0/.well-known/openid-configuration`
 *   (URLs built from the host the document was fetched from; the issuer is Entra's string)
 * - `/{tenant}/discovery/keys`, `/{tenant}/discovery/v2.0/keys` (tenant id, `common`, `organizations`)
 * - `POST /{tenant}/oauth2/token` (v1) and `/{tenant}/oauth2/v2.0/token` (v2)
 * - `/{tenant}/oauth2[/v2.0]/authorize` (the sign-in page) and `/{tenant}/oauth2[/v2.0]/logout`
 * - `POST /{tenant}/oauth2[/v2.0]/devicecode` (device authorization) and `/{tenant}/oauth2/deviceauth` (its verification page)
 * - `/msi/token` and `/msi/{principalId}/token` (App Service), `/metadata/identity/oauth2/token` (IMDS)
 * Anything else → 404 JSON. Never throws.
 */
export function createIdentityHandler(deps: IdentityHandlerDeps): RequestHandler {
  const log = deps.logger;
  const discovery = new DiscoveryDocuments();
  let jwks: Map<string, string> | undefined;
  deps.keys.onChange(() => {
    jwks = undefined;
  });
  const jwksFor = (version: 1 | 2, tenant: TenantSegment): string => {
    const keys = deps.keys.published(); // moves the ring to now (a due activation or removal clears the cache)
    if (!jwks) jwks = new Map();
    const key = version === 1 ? 'v1' : tenant.kind === 'tenant' ? `v2|${tenant.tenantId}` : 'v2|multi';
    let doc = jwks.get(key);
    if (doc === undefined) {
      doc = JSON.stringify(version === 1 ? buildJwks(keys) : buildJwks(keys, v2KeyIssuer(tenant.kind === 'tenant' ? tenant.tenantId : '{tenantid}')));
      jwks.set(key, doc);
    }
    return doc;
  };

  const unknownTenant = (req: IncomingMessage, res: ServerResponse, tenant: TenantSegment & { kind: 'unknown' }): void => {
    const { status, body } = aadstsBody('tenantNotFound', { tenant: tenant.value }, {
      traceId: deps.ids.uuid(),
      correlationId: deps.ids.uuid(),
      nowMs: deps.clock.now(),
    });
    sendJson(req, res, status, body);
  };

  const metadataRoute = (req: IncomingMessage, res: ServerResponse, tenant: TenantSegment, body: () => string | undefined): void => {
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(req, res, 405, { error: 'invalid_request', error_description: `The HTTP method ${req.method ?? ''} is not supported.` }, { Allow: 'GET, HEAD' });
      return;
    }
    if (tenant.kind === 'unknown') {
      unknownTenant(req, res, tenant);
      return;
    }
    sendJson(req, res, 200, body() ?? '{}', METADATA_HEADERS);
  };

  function route(req: IncomingMessage, res: ServerResponse): void {
    if (!hostIsOurs(req)) {
      req.resume();
      log.warn('identity request refused: Host is not this listener (DNS rebinding guard)', { host: String(req.headers.host ?? '').slice(0, 100) });
      sendJson(req, res, 400, { error: 'invalid_request', error_description: 'Bad Request - Invalid Hostname' });
      return;
    }
    const { segments, query } = parseRequestUrl(req.url);
    log.debug('identity request', { method: req.method, path: '/' + segments.join('/') });
    if (same(segments, 'msi', 'token')) {
      req.resume();
      handleAppServiceMsi(deps, req, res, query);
      return;
    }
    // One resource's own endpoint (as each App Service / APIM instance has in Azure): its identity answers.
    if (segments.length === 3 && segments[0] === 'msi' && segments[2] === 'token') {
      req.resume();
      handleAppServiceMsi(deps, req, res, query, segments[1]);
      return;
    }
    if (same(segments, 'metadata', 'identity', 'oauth2', 'token')) {
      req.resume();
      handleImds({ ...deps, issue: (r) => deps.issue(r, deps.imdsEligible) }, req, res, query);
      return;
    }
    const [first = '', ...rest] = segments;
    if (first === ADMIN_PREFIX) {
      handleAdmin(deps.admin, req, res, rest, query).catch((e: unknown) => {
        log.error('administration route failed', { error: describeError(e) });
        sendJson(req, res, 500, { error: 'server_error', message: 'Internal error.' });
      });
      return;
    }
    const tenant = classifyTenant(first, (id) => deps.directory.isTenant(id));
    const origin = () => publicOrigin(req).origin;
    if (same(rest, '.well-known', 'openid-configuration')) {
      metadataRoute(req, res, tenant, () => discovery.get(1, tenant, origin()));
      return;
    }
    if (same(rest, 'v2.0', '.well-known', 'openid-configuration')) {
      metadataRoute(req, res, tenant, () => discovery.get(2, tenant, origin()));
      return;
    }
    if (same(rest, 'discovery', 'keys')) {
      metadataRoute(req, res, tenant, () => jwksFor(1, tenant));
      return;
    }
    if (same(rest, 'discovery', 'v2.0', 'keys')) {
      metadataRoute(req, res, tenant, () => jwksFor(2, tenant));
      return;
    }
    if (first === 'common' && same(rest, 'discovery', 'instance')) {
      req.resume();
      handleInstanceDiscovery(req, res, query);
      return;
    }
    if (same(rest, 'oauth2', 'token') || same(rest, 'oauth2', 'v2.0', 'token')) {
      handleTokenEndpoint(deps.token, req, res, tenant, rest.length === 2 ? 1 : 2, query).catch((e: unknown) => {
        log.error('token endpoint failed', { error: describeError(e) });
        sendJson(req, res, 500, { error: 'server_error', error_description: 'Internal error in the Trustline token service.' });
      });
      return;
    }
    if (same(rest, 'oauth2', 'authorize') || same(rest, 'oauth2', 'v2.0', 'authorize')) {
      const action = (req.url ?? '/').split('?')[0]!;
      handleAuthorize(deps.authorize, req, res, tenant, rest.length === 2 ? 1 : 2, query, action).catch((e: unknown) => {
        log.error('authorize failed', { error: describeError(e) });
        sendJson(req, res, 500, { error: 'server_error', error_description: 'Internal error in the Trustline sign-in service.' });
      });
      return;
    }
    if (same(rest, 'oauth2', 'devicecode') || same(rest, 'oauth2', 'v2.0', 'devicecode')) {
      handleDeviceAuthorization(deps.authorize, req, res, tenant, rest.length === 2 ? 1 : 2, query).catch((e: unknown) => {
        log.error('device authorization failed', { error: describeError(e) });
        sendJson(req, res, 500, { error: 'server_error', error_description: 'Internal error in the Trustline token service.' });
      });
      return;
    }
    if (same(rest, 'oauth2', 'deviceauth') && tenant.kind !== 'unknown') {
      handleDeviceVerification(deps.authorize, req, res, (req.url ?? '/').split('?')[0]!).catch((e: unknown) => {
        log.error('device code page failed', { error: describeError(e) });
        sendJson(req, res, 500, { error: 'server_error', error_description: 'Internal error in the Trustline sign-in service.' });
      });
      return;
    }
    if (same(rest, 'oauth2', 'logout') || same(rest, 'oauth2', 'v2.0', 'logout')) {
      req.resume();
      handleLogout(req, res, query);
      return;
    }
    req.resume();
    sendJson(req, res, 404, { error: 'not_found', error_description: `No identity route for ${req.method ?? 'GET'} /${segments.join('/')}.` });
  }

  return (req, res) => {
    try {
      req.on('error', () => undefined);
      route(req, res);
    } catch (e) {
      log.error('identity handler failed', { error: describeError(e) });
      try {
        sendJson(req, res, 500, { error: 'server_error', error_description: 'Internal error in the Trustline identity service.' });
      } catch {
        res.destroy();
      }
    }
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError, type Clock, type IdGenerator, type Logger } from '../../core/index.js';
import { aadstsBody } from '../aadsts.js';
import { buildJwks, v2KeyIssuer } from '../keys/jwks.js';
import type { SigningKey } from '../keys/signing-key.js';
import type { IssuedManagedIdentityToken, ManagedIdentityTokenRequest } from '../tokens/managed-identity.js';
import { handleAppServiceMsi } from './app-service-msi.js';
import { buildDiscoveryDocuments, classifyTenant, type TenantSegment } from './discovery.js';
import { parseRequestUrl, sendJson } from './http.js';
import { handleImds } from './imds.js';

export interface IdentityHandlerDeps {
  tenantId: string;
  identityHeader: string;
  wrongIdentityHeaderStatus: 401 | 400;
  keys: readonly SigningKey[];
  issue: (req: ManagedIdentityTokenRequest) => IssuedManagedIdentityToken;
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
 * All identity routes on one handler. Paths are matched case-insensitively, `//` and trailing `/`
 * are tolerated, the host is ignored:
 * - `/{tenant}/.well-known/openid-configuration`, `/{tenant}/v2.0/.well-known/openid-configuration`
 * - `/{tenant}/discovery/keys`, `/{tenant}/discovery/v2.0/keys` (tenant id, `common`, `organizations`)
 * - `/msi/token` and `/msi/{principalId}/token` (App Service), `/metadata/identity/oauth2/token` (IMDS)
 * Anything else → 404 JSON. Never throws.
 */
export function createIdentityHandler(deps: IdentityHandlerDeps): RequestHandler {
  const log = deps.logger;
  const discovery = buildDiscoveryDocuments(deps.tenantId);
  const jwksV1 = JSON.stringify(buildJwks(deps.keys));
  const jwksV2 = new Map<string, string>([
    ['tenant', JSON.stringify(buildJwks(deps.keys, v2KeyIssuer(deps.tenantId)))],
    ['multi', JSON.stringify(buildJwks(deps.keys, v2KeyIssuer('{tenantid}')))],
  ]);

  const unknownTenant = (req: IncomingMessage, res: ServerResponse, tenant: TenantSegment & { kind: 'unknown' }): void => {
    const { status, body } = aadstsBody('tenantNotFound', { tenant: tenant.value }, {
      traceId: deps.ids.uuid(),
      correlationId: deps.ids.uuid(),
      nowMs: deps.clock.now(),
    });
    sendJson(req, res, status, body);
  };

  const metadataRoute = (req: IncomingMessage, res: ServerResponse, tenant: TenantSegment, body: () => string | undefined): void => {
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
    const { segments, query } = parseRequestUrl(req.url);
    log.debug('identity request', { method: req.method, path: '/' + segments.join('/') });
    if (same(segments, 'msi', 'token')) {
      handleAppServiceMsi(deps, req, res, query);
      return;
    }
    // One resource's own endpoint (as each App Service / APIM instance has in Azure): its identity answers.
    if (segments.length === 3 && segments[0] === 'msi' && segments[2] === 'token') {
      handleAppServiceMsi(deps, req, res, query, segments[1]);
      return;
    }
    if (same(segments, 'metadata', 'identity', 'oauth2', 'token')) {
      handleImds(deps, req, res, query);
      return;
    }
    const [first = '', ...rest] = segments;
    const tenant = classifyTenant(first, deps.tenantId);
    if (same(rest, '.well-known', 'openid-configuration')) {
      metadataRoute(req, res, tenant, () => discovery.get(1, tenant));
      return;
    }
    if (same(rest, 'v2.0', '.well-known', 'openid-configuration')) {
      metadataRoute(req, res, tenant, () => discovery.get(2, tenant));
      return;
    }
    if (same(rest, 'discovery', 'keys')) {
      metadataRoute(req, res, tenant, () => jwksV1);
      return;
    }
    if (same(rest, 'discovery', 'v2.0', 'keys')) {
      metadataRoute(req, res, tenant, () => jwksV2.get(tenant.kind === 'tenant' ? 'tenant' : 'multi'));
      return;
    }
    sendJson(req, res, 404, { error: 'not_found', error_description: `No identity route for ${req.method ?? 'GET'} /${segments.join('/')}.` });
  }

  return (req, res) => {
    try {
      req.on('error', () => undefined);
      req.resume();
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

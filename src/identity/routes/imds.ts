import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTwinError, describeError, type Clock, type IdGenerator, type Logger } from '../../core/index.js';
import { nowSeconds } from '../../core/index.js';
import { aadstsBody } from '../aadsts.js';
import type { IssuedManagedIdentityToken, ManagedIdentityTokenRequest } from '../tokens/managed-identity.js';
import { IDENTITY_OWNER_HEADER } from './app-service-msi.js';
import { headerValue, queryValue, sendJson } from './http.js';

export interface ImdsRouteDeps {
  issue: (req: ManagedIdentityTokenRequest) => IssuedManagedIdentityToken;
  tenantId: string;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

/**
 * IMDS token endpoint (`GET /metadata/identity/oauth2/token`), as reached through
 * `AZURE_POD_IDENTITY_AUTHORITY_HOST`. Requires `Metadata: true` (checked first, so the
 * DefaultAzureCredential probe gets a fast 400). Selectors `client_id` | `object_id` | `msi_res_id`.
 * Errors: `{error, error_description}` (AADSTS errors with the STS fields).
 */
export function handleImds(deps: ImdsRouteDeps, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
  const fail = (status: number, error: string, description: string): void =>
    sendJson(req, res, status, { error, error_description: description });

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET');
    fail(405, 'invalid_request', `The HTTP method ${req.method ?? ''} is not supported.`);
    return;
  }
  // Error table of MicrosoftDocs entra-docs how-to-use-vm-token.md: 400 bad_request_102.
  if (headerValue(req, 'metadata') !== 'true') {
    fail(400, 'bad_request_102', 'Required metadata header not specified');
    return;
  }
  // IMDS refuses requests that went through a proxy (Azure IMDS docs: a request must carry
  // `Metadata: true` and must not contain an X-Forwarded-For header), an SSRF guard.
  if (headerValue(req, 'x-forwarded-for') !== undefined) {
    fail(400, 'bad_request', 'Request contains X-Forwarded-For header');
    return;
  }
  if (queryValue(query, 'api-version') === undefined) {
    fail(400, 'invalid_request', "Required query variable 'api-version' is missing");
    return;
  }
  const resource = queryValue(query, 'resource');
  if (resource === undefined) {
    fail(400, 'invalid_request', 'Required audience parameter not specified');
    return;
  }
  let token: IssuedManagedIdentityToken;
  try {
    token = deps.issue({
      resource,
      clientId: queryValue(query, 'client_id'),
      objectId: queryValue(query, 'object_id'),
      miResId: queryValue(query, 'msi_res_id'),
      ownerResourceId: headerValue(req, IDENTITY_OWNER_HEADER),
    });
  } catch (e) {
    if (isTwinError(e)) {
      deps.logger.warn('IMDS token refused', { code: e.code, reason: e.message });
      switch (e.code) {
        case 'ERR_IDENTITY_RESOURCE_NOT_FOUND': {
          const { status, body } = aadstsBody('resourceNotFound', { resource, tenant: deps.tenantId }, {
            traceId: deps.ids.uuid(),
            correlationId: deps.ids.uuid(),
            nowMs: deps.clock.now(),
          });
          sendJson(req, res, status, body);
          return;
        }
        case 'ERR_IDENTITY_MI_NOT_FOUND':
          fail(400, 'invalid_request', 'Identity not found');
          return;
        case 'ERR_IDENTITY_MI_AMBIGUOUS':
        case 'ERR_IDENTITY_SELECTOR_CONFLICT':
        case 'ERR_IDENTITY_RESOURCE_MISSING':
          fail(400, 'invalid_request', e.message);
          return;
        default:
          break;
      }
    }
    deps.logger.error('IMDS endpoint failed', { error: describeError(e) });
    fail(500, 'unknown', 'Failed to retrieve token from the Active directory.');
    return;
  }
  const now = nowSeconds(deps.clock);
  const expiresIn = String(Math.max(0, token.exp - now));
  sendJson(req, res, 200, {
    access_token: token.accessToken,
    refresh_token: '',
    expires_in: expiresIn,
    expires_on: String(token.exp),
    ext_expires_in: expiresIn,
    not_before: String(token.nbf),
    resource: token.resource,
    token_type: 'Bearer',
    client_id: token.clientId,
  });
}

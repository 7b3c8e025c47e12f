import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTwinError, describeError, type IdGenerator, type Logger } from '../../core/index.js';
import type { IssuedManagedIdentityToken, ManagedIdentityTokenRequest } from '../tokens/managed-identity.js';
import { headerValue, queryValue, sendJson } from './http.js';

/** Twin-only request header naming the ARM resource whose system-assigned identity is wanted. */
export const IDENTITY_OWNER_HEADER = 'x-trustline-identity-owner';

export const UNABLE_TO_LOAD_MI = 'Unable to load the proper Managed Identity.';

export interface MsiRouteDeps {
  identityHeader: string;
  /** Status for a missing or wrong X-IDENTITY-HEADER (compat flag `wrongIdentityHeaderStatus`). */
  wrongIdentityHeaderStatus: 401 | 400;
  issue: (req: ManagedIdentityTokenRequest) => IssuedManagedIdentityToken;
  ids: IdGenerator;
  logger: Logger;
}

/** Constant-time comparison of a presented secret (never logged). */
export function secretMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * App Service / Functions MI endpoint (`IDENTITY_ENDPOINT`), API 2019-08-01
 * (header `X-IDENTITY-HEADER`, selectors `client_id` | `principal_id` | `object_id` | `mi_res_id`) and the
 * legacy 2017-09-01 form (header `secret`, selector `clientid`; `expires_on` still epoch seconds, since msal
 * cannot parse the legacy date). Errors: `{statusCode, message, correlationId}` + `X-CORRELATION-ID`.
 */
export function handleAppServiceMsi(
  deps: MsiRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  /** Set for `/msi/{principalId}/token`: the endpoint of one resource, whose identity answers when no selector is given. */
  endpointPrincipalId?: string,
): void {
  const correlationId = deps.ids.uuid();
  const fail = (statusCode: number, message: string): void =>
    sendJson(req, res, statusCode, { statusCode, message, correlationId }, { 'X-CORRELATION-ID': correlationId });

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET');
    fail(405, `The HTTP method ${req.method ?? ''} is not supported by the managed identity endpoint.`);
    return;
  }
  const apiVersion = queryValue(query, 'api-version');
  const legacy = apiVersion === '2017-09-01';
  const presented = legacy ? headerValue(req, 'secret') : headerValue(req, 'x-identity-header');
  if (!secretMatches(presented, deps.identityHeader)) {
    deps.logger.warn('managed identity request rejected: identity header missing or wrong', { correlationId, present: presented !== undefined });
    fail(deps.wrongIdentityHeaderStatus, `The ${legacy ? 'secret' : 'X-IDENTITY-HEADER'} request header is missing or does not match IDENTITY_HEADER.`);
    return;
  }
  if (apiVersion !== '2019-08-01' && !legacy) {
    fail(400, `The api-version '${apiVersion ?? ''}' is not supported; use 2019-08-01.`);
    return;
  }
  const resource = queryValue(query, 'resource');
  if (resource === undefined) {
    fail(400, "The 'resource' query parameter is required.");
    return;
  }
  const principalId = queryValue(query, 'principal_id');
  const objectId = queryValue(query, 'object_id');
  if (principalId !== undefined && objectId !== undefined && principalId !== objectId) {
    fail(400, `${UNABLE_TO_LOAD_MI} (Trustline: give at most one of client_id, principal_id/object_id, mi_res_id.)`);
    return;
  }
  const request: ManagedIdentityTokenRequest = {
    resource,
    clientId: legacy ? queryValue(query, 'clientid') : queryValue(query, 'client_id'),
    objectId: principalId ?? objectId,
    miResId: legacy ? undefined : queryValue(query, 'mi_res_id'),
    ownerResourceId: headerValue(req, IDENTITY_OWNER_HEADER),
  };
  if (endpointPrincipalId !== undefined && request.clientId === undefined && request.objectId === undefined && request.miResId === undefined) {
    request.objectId = endpointPrincipalId;
  }
  let token: IssuedManagedIdentityToken;
  try {
    token = deps.issue(request);
  } catch (e) {
    if (isTwinError(e)) {
      deps.logger.warn('managed identity token refused', { correlationId, code: e.code, reason: e.message });
      switch (e.code) {
        case 'ERR_IDENTITY_RESOURCE_NOT_FOUND':
        case 'ERR_IDENTITY_RESOURCE_MISSING':
          fail(400, e.message);
          return;
        case 'ERR_IDENTITY_MI_NOT_FOUND':
          fail(400, UNABLE_TO_LOAD_MI);
          return;
        case 'ERR_IDENTITY_MI_AMBIGUOUS':
        case 'ERR_IDENTITY_SELECTOR_CONFLICT':
          fail(400, `${UNABLE_TO_LOAD_MI} (Trustline: ${e.message})`);
          return;
        default:
          break;
      }
    }
    deps.logger.error('managed identity endpoint failed', { correlationId, error: describeError(e) });
    fail(500, 'An unexpected error occurred while acquiring the managed identity token.');
    return;
  }
  sendJson(req, res, 200, {
    access_token: token.accessToken,
    expires_on: String(token.exp),
    resource: token.resource,
    token_type: 'Bearer',
    client_id: token.clientId,
  });
}

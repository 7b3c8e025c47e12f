import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TenantSegment } from '../routes/discovery.js';
import { publicOrigin } from '../routes/host-guard.js';
import { queryValue, readForm, sendJson } from '../routes/http.js';
import { runStsEndpoint, tenantFor, type StsEndpointDeps } from '../routes/token-endpoint.js';
import { readDelegatedScopes } from '../tokens/delegated-scopes.js';
import { stsError } from '../tokens/sts-error.js';
import { page, showForm, signIn, type AuthorizeDeps } from './authorize.js';
import { DEVICE_CODE_INTERVAL_SECONDS, DEVICE_CODE_LIFETIME_SECONDS } from './grant-store.js';
import { deviceCodePage, errorPage } from './sign-in-page.js';

export type DeviceCodeDeps = AuthorizeDeps & StsEndpointDeps;

/** Where the verification page lives: Entra's own page (https://microsoft.com/devicelogin leads there), on the host asked. */
export const DEVICE_VERIFICATION_PATH = '/common/oauth2/deviceauth';

/**
 * `POST /{tenant}/oauth2/v2.0/devicecode` (`client_id`, `scope`) and v1 `POST /{tenant}/oauth2/devicecode`
 * (`client_id`, `resource`): a device code and a user code, valid 15 minutes, the verification page on the host the
 * request came to (the twin's listener, or Entra's host name inside the twin), polling every 5 s, and Entra's message.
 * v1 spells `verification_url` and answers numbers as strings (Entra's v1 shape, recorded by Azure/azure-linux-extensions'
 * AAD login notes); v2 `verification_uri` and numbers (Learn, and the body in MicrosoftDocs/azure-docs #33126).
 * The client and the scopes are checked as the authorize endpoint checks them (AADSTS700016, 500011, 650053, 28000);
 * whether the client may redeem the code without a credential is decided when it polls (AADSTS7000218).
 */
export function handleDeviceAuthorization(deps: DeviceCodeDeps, req: IncomingMessage, res: ServerResponse, segment: TenantSegment, version: 1 | 2, query: URLSearchParams): Promise<void> {
  return runStsEndpoint(deps, req, res, query, async (form) => {
    const clientId = queryValue(form, 'client_id');
    if (clientId === undefined) throw stsError('missingParameter', { parameter: 'client_id' });
    const tenantId = tenantFor(deps, segment, clientId);
    const app = deps.directory.application(tenantId, clientId);
    if (!app) throw stsError('applicationNotFound', { appId: clientId, tenant: tenantId });
    const scope = queryValue(form, 'scope');
    const resource = queryValue(form, 'resource');
    if (version === 2) {
      if (resource !== undefined) throw stsError('resourceParameterNotSupported');
      if (scope === undefined) throw stsError('missingParameter', { parameter: 'scope' });
    } else if (resource === undefined) throw stsError('missingParameter', { parameter: 'resource' });
    readDelegatedScopes(deps.directory, tenantId, { version, scope, resource }); // one known resource, exposed scopes
    const { deviceCode, userCode } = deps.grants.putDevice({ tenantId, version, clientId: app.appId, scope, resource });
    const uri = `${publicOrigin(req).origin}${DEVICE_VERIFICATION_PATH}`;
    const message = `To sign in, use a web browser to open the page ${uri} and enter the code ${userCode} to authenticate.`;
    deps.logger.info('device code issued', { clientId: app.appId, userCode, version });
    return version === 2
      ? { user_code: userCode, device_code: deviceCode, verification_uri: uri, expires_in: DEVICE_CODE_LIFETIME_SECONDS, interval: DEVICE_CODE_INTERVAL_SECONDS, message }
      : { user_code: userCode, device_code: deviceCode, verification_url: uri, expires_in: String(DEVICE_CODE_LIFETIME_SECONDS), interval: String(DEVICE_CODE_INTERVAL_SECONDS), message };
  });
}

/**
 * The verification page (`/{tenant}/oauth2/deviceauth`): GET shows the code field (`otc`); POST of a live user code
 * shows the sign-in form of the code's tenant and client (the same form and password check as the authorize endpoint,
 * posted back here with its `ctx`), whose success approves the device code and whose Cancel declines it. A wrong,
 * expired or already answered code shows the code field again with the reason.
 */
export async function handleDeviceVerification(deps: DeviceCodeDeps, req: IncomingMessage, res: ServerResponse, action: string): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    req.resume();
    page(res, 200, deviceCodePage(action));
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    sendJson(req, res, 405, { error: 'invalid_request', error_description: `The HTTP method ${req.method ?? ''} is not supported.` }, { Allow: 'GET, POST' });
    return;
  }
  const form = await readForm(req);
  if (!form) {
    page(res, 413, errorPage('Sign in', 'The request is too large.'));
    return;
  }
  const ctx = queryValue(form, 'ctx');
  if (ctx !== undefined) {
    signIn(deps, req, res, form, ctx, action);
    return;
  }
  const typed = form.get('otc') ?? '';
  const found = deps.grants.deviceByUserCode(typed);
  if (found.kind !== 'ok') {
    deps.logger.warn('device code page: code refused', { reason: found.kind });
    const why = found.kind === 'expired' ? 'That code has expired. Go back to your app or device and get a new code.' : "That code didn't work. Check the code and try again.";
    page(res, 200, deviceCodePage(action, why));
    return;
  }
  const r = found.request;
  const pending = {
    tenantId: r.tenantId,
    version: r.version,
    clientId: r.clientId,
    redirectUri: '',
    responseType: [],
    responseMode: 'query' as const,
    scope: r.scope,
    resource: r.resource,
    state: undefined,
    nonce: undefined,
    codeChallenge: undefined,
    codeChallengeMethod: undefined,
    loginHint: undefined,
    deviceCode: found.deviceCode,
  };
  showForm(deps, res, pending, deps.grants.putPending(pending), action, '');
}

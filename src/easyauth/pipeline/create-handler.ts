import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError, forwardableHeaders, type OutgoingHeaders } from '../../core/index.js';
import { resolveCompatFlags } from '../compat-flags.js';
import { createAuthenticator, principalSummary, type AuthnResult } from './authenticate.js';
import { handleAuthRoute } from './auth-routes.js';
import { authorize, readAppSwitches } from './authorize.js';
import type { EasyAuthHandler, EasyAuthOptions } from './options.js';
import { isAuthRoute, isExcludedPath, requestInfo, type RequestInfo } from './request-info.js';
import { sendRedirect, sendStatus } from './responses.js';
import { flatHeaders, strippedHeaders, strippedRawHeaders } from './strip-headers.js';
import { addStep, newDecision, sharedStep, type AuthDecision, type AuthStep } from './trace.js';
import { NonceStore } from '../session/nonce-store.js';
import { SessionStore } from '../session/session-store.js';
import { csrfSuspect } from '../session/csrf.js';
import { policyClaims } from '../session/session-auth.js';

const TRUE = /^(true|1)$/i;
const PLATFORM_ON = sharedStep('platform', true, 'Easy Auth enabled');
const FORWARDED = sharedStep('forward', true, 'forwarded with identity headers');

/**
 * The Easy Auth module in front of one site (docs/behaviour/easyauth.md §4.1). One function, stages in Azure's order:
 *  1 platform disabled → pass-through   2 requireHttps → 302   3 {apiPrefix}/* routes
 *  4 strip X-MS-CLIENT-PRINCIPAL* / X-MS-TOKEN-*   5–6 find + validate the credential
 *  7 authenticated → authorization → forward with identity headers
 *  8 unauthenticated → excludedPaths / anonymous / unauthenticatedClientAction
 * Never throws: config errors answer 500, a failing `forward` answers 500 when it still can.
 */
export function createEasyAuthHandler(options: EasyAuthOptions): EasyAuthHandler {
  const { settings, clock, onTrace, forwardRaw } = options;
  const forward = options.forward ?? ((req: IncomingMessage, res: ServerResponse, h: OutgoingHeaders) => forwardRaw?.(req, res, flatHeaders(h)));
  const logger = options.logger.child('easyauth');
  const flags = resolveCompatFlags(options.flags);
  const appSettings = options.appSettings ?? {};
  const switches = readAppSwitches(appSettings);
  const mapRoles = /^false$/i.test((appSettings.WEBSITE_AUTH_USE_LEGACY_CLAIMS ?? '').trim());
  const aad = settings?.identityProviders.azureActiveDirectory;
  const enabled = settings?.platform.enabled === true;
  // Sessions outlive the handler when the host keeps them (a redeploy rebuilds the handler, not the sessions).
  const sessions = options.sessions ?? new SessionStore(clock);
  const nonces = new NonceStore(clock, settings?.login.nonce.nonceExpirationSeconds ?? 300);
  const authenticator = createAuthenticator({
    sessions,
    aad,
    tokenStoreEnabled: settings?.login.tokenStore.enabled === true,
    mapRoles,
    httpClient: options.httpClient,
    clock,
    logger,
    flags,
    ...(options.onVerify ? { onVerify: options.onVerify } : {}),
  });
  const wwwAuthenticateOff =
    aad?.login.disableWWWAuthenticate === true || TRUE.test((appSettings.WEBSITE_AUTH_DISABLE_WWWAUTHENTICATE ?? '').trim());
  const challengeFor = (host: string): Record<string, string> =>
    wwwAuthenticateOff
      ? {}
      : {
          'www-authenticate': flags.wwwAuthenticateTemplate
            .replaceAll('{host}', host)
            .replaceAll('{tenantId}', authenticator.tenant)
            .replaceAll('{clientId}', aad?.registration.clientId ?? ''),
        };

  /** Stages 1–4, then the credential: synchronous when it is a bearer token verified earlier (no promise per request). */
  const run = (req: IncomingMessage, res: ServerResponse, d: AuthDecision): void | Promise<void> => {
    // 1. Feature off: pass through untouched — no /.auth handling, no stripping (docs/behaviour/easyauth.md §4.6 parity).
    if (!settings || !enabled) {
      d.outcome = 'pass-through';
      addStep(d, 'platform', false, settings ? 'platform.enabled is not true' : 'no authsettingsV2');
      const all = forwardableHeaders(req.headers, options.omitHeaders);
      if (forwardRaw) forwardRaw(req, res, flatHeaders(all));
      else forward(req, res, all);
      return;
    }
    d.steps.push(PLATFORM_ON);
    const info = requestInfo(req, settings);
    d.scheme = info.scheme;
    d.host = info.host;

    // 2. Scheme: requireHttps (default true) → 302 to https, same host and path.
    if (settings.httpSettings.requireHttps && info.scheme === 'http') {
      d.outcome = 'redirect-https';
      d.status = 302;
      addStep(d, 'require-https', false, 'plain http request while httpSettings.requireHttps is true');
      return sendRedirect(res, `https://${options.httpsHost ? options.httpsHost(info.host) : info.host}${info.pathAndQuery}`);
    }

    // 3. Auth routes never reach the app.
    const prefix = settings.httpSettings.routes.apiPrefix;
    if (isAuthRoute(info.path, prefix)) {
      return handleAuthRoute(req, res, info.path.slice(prefix.length), {
        settings, authenticator, switches, flags, mapRoles, challenge: challengeFor(info.host), info,
        session: {
          settings, aad, appSettings, authenticator, sessions, nonces, httpClient: options.httpClient, clock, logger, flags, switches, mapRoles,
          ...(options.browserIdentityOrigin ? { browserIdentityOrigin: options.browserIdentityOrigin } : {}),
        },
      }, d);
    }

    // 4. Strip platform-owned headers sent by the client.
    const { headers, stripped } = (forwardRaw && strippedRawHeaders(req, options.omitHeaders)) || strippedHeaders(req.headers, options.omitHeaders);
    if (stripped > 0) addStep(d, 'strip-headers', true, `removed ${stripped} client-sent X-MS-CLIENT-PRINCIPAL*/X-MS-TOKEN-* header(s)`);

    // 5–6. Find and validate the credential.
    const hit = authenticator.cached(req, d);
    if (hit) return decide(req, res, d, info, headers, hit);
    return authenticator.authenticate(req, d).then((authn) => decide(req, res, d, info, headers, authn));
  };

  /** Stages 7–8, once the credential is known. */
  const decide = (req: IncomingMessage, res: ServerResponse, d: AuthDecision, info: RequestInfo, headers: OutgoingHeaders | string[], authn: AuthnResult): void => {
    if (!settings) return;
    if (authn.kind === 'config-error') {
      d.outcome = 'error';
      d.status = 500;
      d.errorCode = authn.error.code;
      addStep(d, 'config', false, authn.error.message);
      logger.error('Easy Auth configuration error', { error: describeError(authn.error) });
      return sendStatus(res, 500);
    }

    // 7. Authenticated: authorization policy (403 / 500), then forward with identity headers.
    if (authn.kind === 'valid') {
      const v = authn.verified;
      // CSRF guard (docs/behaviour/easyauth.md §4.1 step 10): a browser's cookie-authenticated POST must come from this site or an allowed origin.
      if (authn.session?.via === 'cookie' && csrfSuspect(req, info.host, settings.login.allowedExternalRedirectUrls)) {
        d.outcome = 'rejected';
        d.status = 403;
        addStep(d, 'csrf', false, `${info.method} with the session cookie from a browser without a same-site Origin/Referer`);
        return sendStatus(res, 403);
      }
      if (aad) {
        let z: { ok: boolean; status?: 403 | 500; steps: AuthStep[] } | undefined;
        if (authn.session) {
          // A session's claims depend on the session (policyClaims), not only on the token: decided per request.
          const steps: AuthStep[] = [];
          const r = authorize(policyClaims(v.claims, authn.session.value, aad.registration.clientId), aad, switches, flags, steps);
          z = r.ok ? { ok: true, steps } : { ok: false, status: r.status, steps };
        } else {
          // Authorization depends only on the claims and this handler's settings: decided once per cached token.
          z = v.authz;
          if (!z) {
            const steps: AuthStep[] = [];
            const r = authorize(v.claims, aad, switches, flags, steps);
            z = v.authz = r.ok ? { ok: true, steps } : { ok: false, status: r.status, steps };
          }
        }
        for (const s of z.steps) d.steps.push(s);
        if (!z.ok) {
          d.outcome = 'rejected';
          const status = z.status ?? 403;
          d.status = status;
          return sendStatus(res, status);
        }
      }
      d.outcome = 'forwarded-authenticated';
      d.principal = (v.principal ??= principalSummary(v)) as AuthDecision['principal'];
      d.steps.push(FORWARDED);
      // `headers` is this request's own copy: the identity headers (derived once per token) go straight in.
      const id = authn.verified.headers;
      if (forwardRaw) {
        const list = Array.isArray(headers) ? headers : flatHeaders(headers);
        const pairs = (v.headerList ??= flatHeaders(id));
        for (let i = 0; i < pairs.length; i++) list.push(pairs[i]!);
        forwardRaw(req, res, list);
        return;
      }
      const obj = headers as OutgoingHeaders;
      for (const k in id) obj[k] = id[k];
      forward(req, res, obj);
      return;
    }

    // 8. Unauthenticated (no credential, or an invalid one).
    const gv = settings.globalValidation;
    const excluded = isExcludedPath(info.path, gv.excludedPaths, flags.excludedPathsCaseInsensitive);
    const anonymousAllowed = excluded !== undefined || !gv.requireAuthentication || gv.unauthenticatedClientAction === 'AllowAnonymous';
    if (authn.kind === 'invalid' && (authn.session || !anonymousAllowed || flags.invalidTokenWhenAnonymous === '401')) {
      d.outcome = 'rejected';
      d.status = 401;
      return sendStatus(res, 401, challengeFor(info.host));
    }
    if (anonymousAllowed) {
      d.outcome = 'forwarded-anonymous';
      addStep(d, 'anonymous', true,
        excluded !== undefined ? `path matches excludedPaths '${excluded}'`
          : !gv.requireAuthentication ? 'requireAuthentication is false' : 'unauthenticatedClientAction is AllowAnonymous');
      if (forwardRaw) forwardRaw(req, res, Array.isArray(headers) ? headers : flatHeaders(headers));
      else forward(req, res, headers as OutgoingHeaders);
      return;
    }
    d.outcome = 'rejected';
    addStep(d, 'unauthenticated-action', false, `${gv.unauthenticatedClientAction}`);
    switch (gv.unauthenticatedClientAction) {
      case 'Return401':
        d.status = 401;
        return sendStatus(res, 401, challengeFor(info.host));
      case 'Return403':
        d.status = 403;
        return sendStatus(res, 403);
      case 'Return404':
        d.status = 404;
        return sendStatus(res, 404);
      case 'RedirectToLoginPage': {
        d.status = 302;
        const provider = providerKey(gv.redirectToProvider);
        return sendRedirect(res, `${settings.httpSettings.routes.apiPrefix}/login/${provider}?post_login_redirect_uri=${encodeURIComponent(info.pathAndQuery)}`);
      }
      default:
        d.status = 401;
        return sendStatus(res, 401, challengeFor(info.host));
    }
  };

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const d = newDecision((req.method ?? 'GET').toUpperCase(), q === -1 ? url : url.slice(0, q), String(req.headers.host ?? ''), 'http');
    const finish = () => {
      if (!onTrace) return;
      try {
        onTrace(d, req);
      } catch (e) {
        logger.warn('onTrace failed', { error: describeError(e) });
      }
    };
    const fail = (e: unknown) => {
      d.outcome = 'error';
      d.status = 500;
      addStep(d, 'internal', false, describeError(e));
      logger.error('Easy Auth handler failed', { error: describeError(e) });
      sendStatus(res, 500);
    };
    let p: void | Promise<void>;
    try {
      p = run(req, res, d);
    } catch (e) {
      fail(e);
      finish();
      return;
    }
    if (p) {
      p.then(finish, (e: unknown) => {
        fail(e);
        finish();
      });
    } else finish();
  };
}

/** `redirectToProvider` value → login route key (`azureactivedirectory` → `aad`). */
function providerKey(p: string | undefined): string {
  const v = (p ?? 'aad').toLowerCase();
  if (v === 'azureactivedirectory' || v === 'aad') return 'aad';
  if (v === 'twitter') return 'x';
  return v;
}

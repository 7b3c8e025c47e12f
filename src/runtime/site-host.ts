import {
  proxyRequest,
  setLeadHeader,
  describeError,
  isoTime,
  type Clock,
  type HttpClient,
  type LocalTarget,
  type Logger,
} from '../core/index.js';
import { createSiteDispatch } from './site-dispatch.js';
import { SessionStore, createEasyAuthHandler, normalizeAuthSettings, type AuthDecision, type EasyAuthCompatFlags } from '../easyauth/index.js';
import { SITE_REQUEST_ID_HEADER, type SiteDecision } from './decision-log.js';
import { checkFunctionKey, type FunctionSpec, type HostKeys } from './function-keys.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { addFrontEndHeaders, arrSslValue, FRONT_END_NAMES } from './front-end-headers.js';
import { MAX_REQUEST_HEADER_BYTES, startListenerPair, type ListenerPair, type RequestHandler } from './listener.js';
import { captureRequest, type RawRequest } from './request-capture.js';
import type { CustomHostTls } from './custom-host-tls.js';

/** What a site listener needs to play one `Microsoft.Web/sites` (plain data: it crosses to a worker). */
export interface SiteSpec {
  /** First label of the host name (`<label>.azurewebsites.net`). */
  label: string;
  name: string;
  /** authsettingsV2 `properties`, or undefined (platform disabled). */
  authSettings: unknown;
  appSettings: Record<string, string>;
  /** The function backend's base URL (the built-in echo or `--backend`). */
  backend: string;
  /** HTTP-triggered functions and the host keys: the Functions host checks keys after Easy Auth. */
  functions?: FunctionSpec[];
  hostKeys?: HostKeys;
  /** The site is stopped (`state: Stopped`, `az webapp stop`): App Service's front end answers 403 before anything runs. */
  stopped?: boolean;
  /** Easy Auth compat flags (docs/differences.md). */
  flags?: Partial<EasyAuthCompatFlags>;
  /** Ports to listen on (0 or absent = random); used when the listeners start. */
  ports?: { https: number; http: number };
  /** Its custom domains (host name bindings; `*.` wildcards as bound): its https listener has a certificate for each. */
  customHosts?: string[];
}

export interface SiteUrls {
  httpUrl: string;
  httpsUrl: string;
}

/** Runs the site listeners (Easy Auth in front of each function backend). */
export interface SiteHost {
  /** Start or update the listeners of a site; resolves to their URLs. */
  upsert(spec: SiteSpec): Promise<SiteUrls>;
  remove(label: string): Promise<void>;
  close(): Promise<void>;
  /** In-process dispatchers playing the site's listeners (only a host on the caller's thread has them). */
  dispatchFor?(label: string): LocalTarget['dispatch'];
}

export interface SiteHostDeps {
  tls: { cert: string; key: string };
  /** Receives each request's decision record (kept for `trustline explain`). */
  onDecision?: (record: SiteDecision) => void;
  /** `X-ARR-SSL` of the https listeners (computed from `tls.cert` when absent). */
  arrSsl?: string;
  client: HttpClient;
  clock: Clock;
  logger: Logger;
  /** How long the function may take to answer (headers, then each body gap); default `SITE_REQUEST_TIMEOUT_MS`. */
  backendTimeoutMs?: number;
  /** The identity listener's https origin: where a browser on this machine signs in (Easy Auth login redirects). */
  browserIdentityOrigin?: string;
  /** Issues the certificates of custom domains (absent: the listeners' own certificate for every name). */
  customTls?: CustomHostTls;
}

/**
 * App Service's front end waits 230 s for an answer ("230 seconds is the maximum amount of time that an HTTP
 * triggered function can take to respond to a request … the default idle timeout of Azure Load Balancer",
 * Functions docs, function app timeout duration), then answers 500 "The request timed out" (observed:
 * blog.headforcloud.com, "Azure App Service hard HTTP timeout limit", 2016). docs/limits.md.
 */
export const SITE_REQUEST_TIMEOUT_MS = 230_000;

function internalError(): RequestHandler {
  return (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Internal Server Error');
  };
}

/** The Easy Auth handler of one site, forwarding to its backend. */
export function createSiteHandler(spec: SiteSpec, deps: SiteHostDeps, listeners: () => ListenerPair | undefined, sessions?: SessionStore): RequestHandler {
  const { client, clock, logger } = deps;
  const backend = spec.backend.replace(/\/$/, '');
  const siteLogger = logger.child(`site ${spec.name}`);
  // App Service's front end names each request (X-ARR-LOG-ID) and adds its headers (front-end-headers.ts);
  // the request's decision record is complete once Easy Auth has decided and, if it forwarded, the backend answered.
  // (On the request object itself, under a symbol: a WeakMap entry per request cost more than the rest of this.)
  const requests = {
    get: (req: IncomingMessage): PendingRecord | undefined => (req as PendingCarrier)[PENDING],
    set: (req: IncomingMessage, p: PendingRecord) => void ((req as PendingCarrier)[PENDING] = p),
  };
  const emit = (p: PendingRecord) => {
    if (p.done || !p.trace || (p.forwarded && !p.backend && p.keys?.ok !== false)) return;
    p.done = true;
    deps.onDecision?.(siteRecord(spec.name, p, clock.now()));
  };
  const frontEndSite = { name: spec.name, defaultHostName: `${spec.label}.azurewebsites.net` };
  const arrSsl = deps.arrSsl ?? arrSslValue(deps.tls.cert);
  // As on App Service, the function sees the Host the site was called with (e.g. <name>.azurewebsites.net).
  const forward = (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], authHeaders: string[]) => {
    const p = requests.get(req);
    // The Functions host checks function keys after Easy Auth: a missing or wrong key is its 401 (empty body).
    if (spec.functions && spec.functions.length > 0) {
      const k = checkFunctionKey(req, spec.functions, spec.hostKeys ?? { functionKeys: [] });
      if (p) p.keys = k;
      if (!k.ok) {
        siteLogger.info(`401 ${req.method} ${pathOf(req)}: function keys: ${k.reason}`, p ? { requestId: p.id } : undefined);
        req.resume();
        res.writeHead(401, { 'content-length': '0' });
        res.end();
        if (p) emit(p);
        return;
      }
    }
    // Easy Auth left the front end's names out (omitHeaders): its headers go into the request's own object.
    const headers = addFrontEndHeaders(authHeaders, req, frontEndSite, arrSsl, p?.id);
    const url = backend + (req.url ?? '/');
    const sent = clock.now();
    if (p) p.forwarded = true;
    void proxyRequest(client, req, res, { url, headers, timeoutMs: deps.backendTimeoutMs ?? SITE_REQUEST_TIMEOUT_MS }, {
      onError: (err) => {
        backendFailed(siteLogger, backend, req, res, err);
        if (p) {
          const code = (err as { code?: string }).code;
          p.backend = { url, status: 502, error: `${code ? `${code} ` : ''}${err.message}`, ms: clock.now() - sent };
          emit(p);
        }
      },
      onResponse: (status) => {
        if (status === 431) siteLogger.warn(`431 ${req.method} ${pathOf(req)}: ${explainHeaderSize(headers)}`);
        if (p) {
          p.backend = { url, status, ms: clock.now() - sent };
          emit(p);
        }
      },
    });
  };
  let settings;
  try {
    settings = spec.authSettings === undefined ? undefined : normalizeAuthSettings(spec.authSettings);
  } catch (e) {
    logger.error(`site ${spec.name}: authsettingsV2 rejected: ${describeError(e)}`);
    return internalError();
  }
  // requireHttps redirects to the same host; called by its local http address, name the local https one.
  const httpsHost = (host: string): string => {
    const l = listeners();
    if (l && host.toLowerCase() === new URL(l.httpUrl).host) return new URL(l.httpsUrl).host;
    return host;
  };
  const easyAuth = createEasyAuthHandler({
    settings,
    omitHeaders: FRONT_END_NAMES,
    httpsHost,
    // Explain every refusal in the log: the bare 401/403 Azure gives, with the reason it never tells.
    onTrace: (d, req) => {
      const p = requests.get(req);
      if (p) {
        p.trace = d;
        emit(p);
      }
      if (d.outcome !== 'rejected' && d.outcome !== 'error') return;
      const failed = d.steps.filter((s) => !s.ok).map((s) => `${s.step}: ${s.reason}`);
      siteLogger.info(`${d.status ?? 500} ${d.method} ${d.path}: ${failed.join('; ') || d.errorCode || d.outcome}`, p ? { requestId: p.id } : undefined);
    },
    appSettings: spec.appSettings,
    ...(sessions ? { sessions } : {}),
    ...(deps.browserIdentityOrigin ? { browserIdentityOrigin: deps.browserIdentityOrigin } : {}),
    ...(spec.flags ? { flags: spec.flags } : {}),
    httpClient: client,
    clock,
    logger: siteLogger,
    forwardRaw: forward,
  });
  return (req, res) => {
    const id = randomUUID();
    if (spec.stopped) {
      siteLogger.info(`403 ${req.method} ${pathOf(req)}: the site is stopped (state Stopped; \`az webapp start\` starts it)`, { requestId: id });
      req.resume();
      res.writeHead(403, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(STOPPED_PAGE)) });
      res.end(STOPPED_PAGE);
      return;
    }
    requests.set(req, { id, started: clock.now(), forwarded: false, done: false, request: (req as CaptureCarrier)[CAPTURED] });
    setLeadHeader(res, SITE_REQUEST_ID_HEADER, id);
    easyAuth(req, res);
  };
}

/**
 * What App Service's front end answers for a stopped site (`az webapp stop`): 403 and its "This web app is stopped."
 * page, before Easy Auth or the app (docs/behaviour/app-service.md §3).
 */
export const STOPPED_PAGE =
  '<!DOCTYPE html><html><head><title>Web App - Unavailable</title></head><body><h1>Error 403 - This web app is stopped.</h1>' +
  '<p>The web app you have attempted to reach is currently stopped and does not accept any requests. Please try to reload the page or visit it again soon.</p></body></html>';

const PENDING = Symbol('trustline site request');
/** The request as its listener received it (request-capture.ts): set by the site's listeners, absent on an in-process hop. */
const CAPTURED = Symbol('trustline captured request');
type CaptureCarrier = IncomingMessage & { [CAPTURED]?: RawRequest };

/** A site listener's handler: keeps each request it receives for a replay, then runs the site. */
function capturing(handler: RequestHandler): RequestHandler {
  return (req, res) => {
    (req as CaptureCarrier)[CAPTURED] = captureRequest(req);
    handler(req, res);
  };
}
type PendingCarrier = IncomingMessage & { [PENDING]?: PendingRecord };

interface PendingRecord {
  id: string;
  started: number;
  forwarded: boolean;
  done: boolean;
  trace?: AuthDecision;
  /** The Functions host's key check, when the path is a function's. */
  keys?: { ok: boolean; reason: string };
  backend?: NonNullable<SiteDecision['backend']>;
  request: RawRequest | undefined;
}

function siteRecord(site: string, p: PendingRecord, now: number): SiteDecision {
  const d = p.trace!;
  // One object shape for every record (absent parts undefined, which JSON leaves out): built on every request.
  return {
    kind: 'site',
    requestId: p.id,
    site,
    time: isoTime(p.started),
    method: d.method,
    path: d.path,
    host: d.host,
    scheme: d.scheme,
    outcome: d.outcome,
    status: p.keys?.ok === false ? 401 : (p.backend?.status ?? d.status),
    steps: p.keys ? [...d.steps, { step: 'function-keys', ok: p.keys.ok, reason: p.keys.reason }] : d.steps,
    principal: d.principal,
    tokenCache: d.tokenCache,
    errorCode: d.errorCode,
    backend: p.backend,
    durationMs: now - p.started,
    request: p.request,
  };
}

/** App Service's 502 page (Windows front end): the same sentence every caller sees, never the cause. */
export const BAD_GATEWAY_PAGE = '502 - Web server received an invalid response while acting as a gateway or proxy server.';

const pathOf = (req: IncomingMessage) => (req.url ?? '/').split('?')[0];

/**
 * The function backend could not be reached or broke off: 502, as App Service's front end answers when the
 * app does not respond, with the cause in the log (the answer itself never carries it).
 */
function backendFailed(logger: Logger, backend: string, req: IncomingMessage, res: ServerResponse, err: Error): void {
  if (req.destroyed && !req.complete) {
    // The caller went away while its body was being forwarded: not a backend failure.
    res.destroy();
    return;
  }
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    logger.warn(`500 ${req.method} ${pathOf(req)}: the function backend ${backend} did not answer in time (${err.message})`);
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('500 - The request timed out.\r\nThe web server failed to respond within the specified time.');
    } else res.destroy();
    return;
  }
  logger.warn(`502 ${req.method} ${pathOf(req)}: the function backend ${backend} failed: ${code ? `${code} ` : ''}${err.message}`);
  if (!res.headersSent) {
    // The front end's answer when the worker does not respond (docs/behaviour/app-service.md §3).
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end(BAD_GATEWAY_PAGE);
  } else res.destroy();
}

/** Why a function host answered 431: the header block Easy Auth forwarded, and how much of it is the token. */
function explainHeaderSize(headers: string[]): string {
  let total = 0;
  let tokenCopies = 0;
  let tokenBytes = 0;
  const valueOf = (name: string) => {
    for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
    return undefined;
  };
  const token = (valueOf('authorization') ?? '').replace(/^Bearer\s+/i, '');
  for (let i = 0; i < headers.length; i += 2) {
    const k = headers[i]!;
    const one = headers[i + 1]!;
    total += k.length + one.length + 4;
    if (token.length > 0 && one.includes(token)) {
      tokenCopies++;
      tokenBytes += token.length;
    }
  }
  const principalBytes = valueOf('x-ms-client-principal')?.length ?? 0;
  return (
    `the function host refused the request headers (${total} bytes forwarded, limit ${MAX_REQUEST_HEADER_BYTES} bytes on the twin's function listeners` +
    ` and Kestrel's default). The ${token.length}-byte bearer token travels ${tokenCopies} time(s) (${tokenBytes} bytes: Authorization` +
    `${tokenCopies > 1 ? ', X-MS-TOKEN-AAD-ACCESS-TOKEN' : ''}) plus X-MS-CLIENT-PRINCIPAL (${principalBytes} bytes, its claims in base64).` +
    ` Make the token smaller (fewer claims, e.g. groups overage) or turn the token store off`
  );
}

/** Site listeners on this thread. */
export function createInProcessSiteHost(deps: SiteHostDeps): SiteHost {
  const sites = new Map<string, ListenerPair>();
  const handlers = new Map<string, RequestHandler>();
  const dispatchers = new Map<string, NonNullable<LocalTarget['dispatch']>>();
  // Each site's sign-in sessions live as long as its listeners: a redeploy rebuilds the handler, not the sessions.
  const sessions = new Map<string, SessionStore>();
  const customHosts = new Map<string, readonly string[]>();
  return {
    async upsert(spec) {
      customHosts.set(spec.label, spec.customHosts ?? []);
      let store = sessions.get(spec.label);
      if (!store) sessions.set(spec.label, (store = new SessionStore(deps.clock)));
      const handler = createSiteHandler(spec, deps, () => sites.get(spec.label), store);
      handlers.set(spec.label, handler);
      let l = sites.get(spec.label);
      if (l) l.setHandler(capturing(handler));
      else {
        l = await startListenerPair(capturing(handler), {
          tls: deps.tls, logger: deps.logger, name: `site ${spec.name}`, httpsPort: spec.ports?.https ?? 0, httpPort: spec.ports?.http ?? 0, leadHeader: true,
          ...(deps.customTls ? { sni: deps.customTls.sniCallback(() => customHosts.get(spec.label) ?? []) } : {}),
        });
        sites.set(spec.label, l);
        const current = () => handlers.get(spec.label);
        const port = (u: string) => Number(new URL(u).port);
        dispatchers.set(spec.label, {
          http: createSiteDispatch(current, { encrypted: false, maxHeaderBytes: MAX_REQUEST_HEADER_BYTES, localPort: port(l.httpUrl) }),
          https: createSiteDispatch(current, { encrypted: true, maxHeaderBytes: MAX_REQUEST_HEADER_BYTES, localPort: port(l.httpsUrl) }),
        });
      }
      return { httpUrl: l.httpUrl, httpsUrl: l.httpsUrl };
    },
    dispatchFor: (label) => dispatchers.get(label),
    async remove(label) {
      const l = sites.get(label);
      sites.delete(label);
      handlers.delete(label);
      dispatchers.delete(label);
      sessions.delete(label);
      customHosts.delete(label);
      await l?.close();
    },
    async close() {
      await Promise.all([...sites.values()].map((l) => l.close()));
      sites.clear();
      handlers.clear();
      dispatchers.clear();
    },
  };
}

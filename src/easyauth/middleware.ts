/**
 * Easy Auth as a library (`import { easyAuth } from 'trustline/easyauth'`): the same compiled pipeline that runs in
 * front of the twin's sites, as a request handler / middleware for node:http, Express and Fastify. A request Easy Auth
 * lets through reaches the app with the identity headers App Service would send (`X-MS-CLIENT-PRINCIPAL*`, …) and
 * without any client-sent platform header; a refused one is answered as App Service answers (401/403/302/404).
 * Tokens are validated against the issuer the settings name; with `twin`, Azure's host names (login.microsoftonline.com,
 * sts.windows.net) resolve to a running `trustline up`.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HostTable,
  createHttpClient,
  createLogger,
  systemClock,
  type Clock,
  type HttpClient,
  type Logger,
  type OutgoingHeaders,
} from '../core/index.js';
import { createEasyAuthHandler } from './pipeline/create-handler.js';
import { isPlatformHeader } from './pipeline/strip-headers.js';
import type { AuthDecision } from './pipeline/trace.js';
import type { EasyAuthCompatFlags } from './compat-flags.js';
import { normalizeAuthSettings } from './settings/normalize-settings.js';

/** Entra's host names, which a twin's identity listener plays. */
const ENTRA_HOSTS = ['login.microsoftonline.com', 'sts.windows.net', 'login.windows.net'];

export interface EasyAuthMiddlewareOptions {
  /** An `authsettingsV2` body: its `properties`, or the whole resource (`{properties: …}`). */
  settings: unknown;
  /** App settings with the `WEBSITE_AUTH_*` switches. */
  appSettings?: Record<string, string>;
  /** The ready file of a running `trustline up`: Azure's Entra host names resolve to it, its CA is trusted. */
  twin?: string;
  /** Behaviour Azure does not document (docs/differences.md). */
  flags?: Partial<EasyAuthCompatFlags>;
  /** Each request's decision record: every check with its reason. */
  onDecision?: (decision: AuthDecision) => void;
  /** Default: warnings and errors on stderr. */
  logger?: Logger;
  clock?: Clock;
  /** Fetches OIDC metadata and keys (default: one made from `twin`, or plain HTTPS). */
  httpClient?: HttpClient;
}

export type NextFunction = (err?: unknown) => void;

export interface EasyAuthMiddleware {
  /** Express / Connect style: answers refused requests, calls `next()` for the others. */
  (req: IncomingMessage, res: ServerResponse, next: NextFunction): void;
  /** Resolves true when the request may go on to the app (identity headers set on `req.headers`), false when answered. */
  check(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** A node:http request handler: Easy Auth, then `app`. */
  handler(app: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void;
  /** Fastify `onRequest` hook: `fastify.addHook('onRequest', auth.fastify)`. */
  fastify(request: { raw: IncomingMessage }, reply: { raw: ServerResponse; hijack(): void }): Promise<void>;
  /** Releases the metadata client's connections. */
  close(): Promise<void>;
}

interface TwinReadyFile {
  caCertificate: string;
  identity: { authority: string };
}

function clientFor(twin: string | undefined): HttpClient {
  if (!twin) return createHttpClient();
  const ready = JSON.parse(readFileSync(twin, 'utf8')) as TwinReadyFile;
  const origin = new URL(ready.identity.authority).origin;
  const hosts = new HostTable();
  for (const h of ENTRA_HOSTS) hosts.set(h, { https: origin });
  return createHttpClient({ resolver: hosts, ca: readFileSync(ready.caCertificate, 'utf8') });
}

/** Replace the request's headers with the ones Easy Auth forwards (platform headers stripped, identity headers set). */
function applyHeaders(req: IncomingMessage, forwarded: OutgoingHeaders): void {
  for (const k of Object.keys(req.headers)) if (isPlatformHeader(k) && !(k in forwarded)) delete req.headers[k];
  for (const [k, v] of Object.entries(forwarded)) if (v !== undefined) req.headers[k.toLowerCase()] = v as string;
}

export function easyAuth(options: EasyAuthMiddlewareOptions): EasyAuthMiddleware {
  const settings = normalizeAuthSettings(options.settings);
  const httpClient = options.httpClient ?? clientFor(options.twin);
  const ownClient = options.httpClient === undefined;
  const waiting = new WeakMap<IncomingMessage, (passed: boolean) => void>();
  const settle = (req: IncomingMessage, passed: boolean) => {
    const resolve = waiting.get(req);
    if (!resolve) return;
    waiting.delete(req);
    resolve(passed);
  };
  const pipeline = createEasyAuthHandler({
    settings,
    ...(options.appSettings ? { appSettings: options.appSettings } : {}),
    ...(options.flags ? { flags: options.flags } : {}),
    httpClient,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? createLogger({ level: 'warn' }),
    forward: (req, _res, headers) => {
      applyHeaders(req, headers);
      settle(req, true);
    },
    onTrace: (d, req) => {
      settle(req, false);
      options.onDecision?.(d);
    },
  });
  const check = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      waiting.set(req, resolve);
      pipeline(req, res);
    });
  const middleware = ((req: IncomingMessage, res: ServerResponse, next: NextFunction) => {
    check(req, res).then(
      (passed) => {
        if (passed) next();
      },
      (e: unknown) => next(e),
    );
  }) as EasyAuthMiddleware;
  middleware.check = check;
  middleware.handler = (app) => (req, res) => middleware(req, res, () => app(req, res));
  middleware.fastify = async (request, reply) => {
    if (!(await check(request.raw, reply.raw))) reply.hijack();
  };
  middleware.close = async () => {
    if (ownClient) await httpClient.close();
  };
  return middleware;
}

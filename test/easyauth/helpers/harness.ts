import { afterAll, beforeAll } from 'vitest';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ManualClock,
  nowSeconds,
  createHttpClient,
  proxyRequest,
  silentLogger,
  type HttpClient,
} from '../../../src/core/index.js';
import {
  createEasyAuthHandler,
  normalizeAuthSettings,
  type AuthDecision,
  type EasyAuthCompatFlags,
} from '../../../src/easyauth/index.js';
import { C, T, startTestIssuer, type TestIssuer } from './test-issuer.js';

/** Backend echo server: records each request's headers, answers 200 `{"ok":true,"path":…}`. */
export interface Backend {
  origin: string;
  calls: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  const calls: Backend['calls'] = [];
  const server: Server = createServer((req, res) => {
    calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const body = JSON.stringify({ ok: true, path: req.url });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function send(origin: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The docs/behaviour/easyauth.md §8 common setup: enabled, requireAuthentication, Return401, requireHttps false, v2 issuer, allowedAudiences [api://C]. */
export function commonSettings(): Record<string, any> {
  return {
    platform: { enabled: true },
    globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
    identityProviders: {
      azureActiveDirectory: {
        registration: { clientId: C, openIdIssuer: `https://login.microsoftonline.com/${T}/v2.0` },
        validation: { allowedAudiences: [`api://${C}`] },
      },
    },
    httpSettings: { requireHttps: false },
  };
}

export interface Front {
  origin: string;
  host: string;
  traces: AuthDecision[];
  verifications: { count: number };
  /** GET through the front with the site Host header. */
  get(path: string, headers?: Record<string, string>, method?: string): Promise<Reply>;
  close(): Promise<void>;
}

export interface FrontOptions {
  issuer: TestIssuer;
  backend: Backend;
  clock: ManualClock;
  settings: unknown;
  appSettings?: Record<string, string>;
  flags?: Partial<EasyAuthCompatFlags>;
  /** Pass settings through normalizeAuthSettings (default true). */
  normalize?: boolean;
}

const forwardClient: HttpClient = createHttpClient();

/** An Easy Auth front (node:http on 127.0.0.1:0) that forwards to the backend with proxyRequest. */
export async function startFront(o: FrontOptions): Promise<Front> {
  const traces: AuthDecision[] = [];
  const verifications = { count: 0 };
  const settings = o.settings === undefined ? undefined : o.normalize === false ? (o.settings as never) : normalizeAuthSettings(o.settings);
  const handler = createEasyAuthHandler({
    settings,
    ...(o.appSettings ? { appSettings: o.appSettings } : {}),
    httpClient: o.issuer.httpClient,
    clock: o.clock,
    logger: silentLogger,
    ...(o.flags ? { flags: o.flags } : {}),
    forward: (req, res, headers) => {
      void proxyRequest(forwardClient, req, res, { url: `${o.backend.origin}${req.url ?? '/'}`, headers });
    },
    onTrace: (d) => traces.push(d),
    onVerify: () => verifications.count++,
  });
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const host = 'fn-trustline.azurewebsites.net';
  return {
    origin,
    host,
    traces,
    verifications,
    get: (path, headers = {}, method = 'GET') => send(origin, path, { host, ...headers }, method),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function decodePrincipal(h: string | string[] | undefined): any {
  return JSON.parse(Buffer.from(String(h), 'base64').toString('utf8'));
}

/**
 * The shared set-up of the Easy Auth test files: one test issuer and one backend per file,
 * fronts (Easy Auth handlers on a listener) created on demand and all closed after the file.
 */
export function useEasyAuthHarness(defaultSettings: () => unknown = commonSettings) {
  let issuer: TestIssuer | undefined;
  let backend: Backend | undefined;
  const clock = new ManualClock();
  const fronts: Front[] = [];
  beforeAll(async () => {
    issuer = await startTestIssuer();
    backend = await startBackend();
  });
  afterAll(async () => {
    for (const f of fronts) await f.close();
    await backend?.close();
    await issuer?.close();
  });
  return {
    clock,
    get issuer(): TestIssuer {
      return issuer!;
    },
    get backend(): Backend {
      return backend!;
    },
    /** A front with `settings` (the default settings when called with no argument; `undefined` = platform disabled). */
    async front(...args: [settings?: unknown, extra?: Partial<FrontOptions>]): Promise<Front> {
      const settings = args.length === 0 ? defaultSettings() : args[0];
      const f = await startFront({ issuer: issuer!, backend: backend!, clock, settings, ...(args[1] ?? {}) });
      fronts.push(f);
      return f;
    },
    now: () => nowSeconds(clock),
    bearer: (t: string) => ({ authorization: `Bearer ${t}` }),
  };
}

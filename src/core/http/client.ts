import { Pool, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { isIP } from 'node:net';
import type { HostResolver } from './host-resolver.js';
import { TwinError } from '../errors.js';

export type OutgoingHeaders = Record<string, string | string[] | undefined>;

export interface HttpRequestOptions {
  method?: string;
  headers?: OutgoingHeaders;
  body?: string | Buffer | Readable | null;
  /** Milliseconds until the response headers must arrive. Default 300 s (APIM forward-request). */
  headersTimeoutMs?: number;
  /** Milliseconds of body inactivity. Default 300 s. */
  bodyTimeoutMs?: number;
}

export interface HttpResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
}

/**
 * Outbound HTTP for everything inside the twin. Azure host names are sent to the local
 * listeners named by the resolver (keeping the original `Host` header and TLS server name,
 * so certificates and host-based routing behave as in Azure); other hosts are called as they are.
 * Connections are pooled and kept alive per origin.
 */
export interface HttpClient {
  request(url: string | URL, options?: HttpRequestOptions): Promise<HttpResponse>;
  /** GET a JSON document; throws TwinError ERR_HTTP_FETCH on network errors, non-2xx or bad JSON. */
  getJson(url: string | URL): Promise<unknown>;
  close(): Promise<void>;
}

export interface HttpClientOptions {
  resolver?: HostResolver;
  /** PEM CA certificates to trust in addition to the system ones (the local CA). */
  ca?: string | string[];
  connections?: number;
  /** Use the resolver's in-process dispatchers where a target has them (default true); false = real sockets always. */
  inProcess?: boolean;
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const pools = new Map<string, Pool>();
  const connections = options.connections ?? 128;

  const poolFor = (origin: string, servername: string | undefined): Pool => {
    const key = `${origin}|${servername ?? ''}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        connections,
        pipelining: 1,
        connect: origin.startsWith('https:')
          ? { ca: options.ca, servername, rejectUnauthorized: true }
          : undefined,
      });
      pools.set(key, pool);
    }
    return pool;
  };

  const request = async (input: string | URL, opts: HttpRequestOptions = {}): Promise<HttpResponse> => {
    const url = typeof input === 'string' ? new URL(input) : input;
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const local = options.resolver?.lookup(hostname);
    let origin = url.origin;
    let servername: string | undefined = isIP(hostname) ? undefined : hostname;
    if (local) {
      const inProcess = options.inProcess !== false ? local.dispatch?.[url.protocol === 'https:' ? 'https' : 'http'] : undefined;
      if (inProcess) return inProcess(url, opts);
      const target = url.protocol === 'https:' ? local.https : local.http;
      if (!target) {
        throw new TwinError('ERR_HTTP_NO_LISTENER', `No local ${url.protocol.slice(0, -1)} listener plays ${hostname}`);
      }
      origin = target;
    }
    if (!origin.startsWith('https:')) servername = undefined;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = v;
    if (local && !Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers.host = url.host;
    const res = await poolFor(origin, servername).request({
      path: url.pathname + url.search,
      method: (opts.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: opts.body ?? null,
      headersTimeout: opts.headersTimeoutMs ?? 300_000,
      bodyTimeout: opts.bodyTimeoutMs ?? 300_000,
    });
    return { statusCode: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: res.body };
  };

  return {
    request,
    async getJson(url) {
      let res: HttpResponse;
      try {
        res = await request(url, { headers: { accept: 'application/json' }, headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000 });
      } catch (e) {
        throw new TwinError('ERR_HTTP_FETCH', `GET ${String(url)} failed: ${(e as Error).message}`, { cause: e });
      }
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode > 299) {
        throw new TwinError('ERR_HTTP_FETCH', `GET ${String(url)} answered ${res.statusCode}`);
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        throw new TwinError('ERR_HTTP_FETCH', `GET ${String(url)} did not return JSON`, { cause: e });
      }
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
      pools.clear();
    },
  };
}

import type { Dispatcher, Pool, ProxyAgent } from 'undici';

/**
 * undici is loaded on the first outbound request, not with the twin: it is a megabyte of code that `trustline up`
 * does not need until something calls out (bench/RESULTS.md, start-up).
 */
let undici: typeof import('undici') | undefined;
const loadUndici = async (): Promise<typeof import('undici')> => (undici ??= await importUndici());

/**
 * undici by dynamic import. It is CommonJS: its exports are the module's default export, both when Node loads it and
 * in the CLI bundle (scripts/bundle.mjs), where a dynamic import of CommonJS has nothing but the default.
 */
export async function importUndici(): Promise<typeof import('undici')> {
  const m = (await import('undici')) as typeof import('undici') & { default?: typeof import('undici') };
  return m.default ?? m;
}
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { isIP } from 'node:net';
import type { HostResolver } from './host-resolver.js';
import { TwinError } from '../errors.js';

export type OutgoingHeaders = Record<string, string | string[] | undefined>;

export interface HttpRequestOptions {
  method?: string;
  /** An object, or a flat `[name, value, …]` list (sent in its order, a name repeated as repeated lines). */
  headers?: OutgoingHeaders | string[];
  body?: string | Buffer | Readable | null;
  /** Milliseconds until the response headers must arrive. Default 300 s (APIM forward-request). */
  headersTimeoutMs?: number;
  /** Milliseconds of body inactivity. Default 300 s. */
  bodyTimeoutMs?: number;
  /**
   * A TLS client certificate to present (APIM `authentication-certificate`): a PKCS#12 bundle; `id` (its thumbprint)
   * keys the connection pool, so connections with and without it are never shared.
   */
  clientCertificate?: { id: string; pfx: Buffer; passphrase?: string };
  /**
   * Send through this HTTP proxy (APIM `proxy`): an `http://` target goes to the proxy in absolute form, an `https://`
   * one through a CONNECT tunnel; `username`/`password` become `Proxy-Authorization: Basic`. The target URL is sent
   * as it is (the twin's host table is not applied behind a proxy: the proxy resolves the name).
   */
  proxy?: { url: string; username?: string; password?: string };
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

/** Path characters a WHATWG URL parser keeps as they are (RFC 3986 pchar, `/` and `?`). */
const SAFE_PATH = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/;
/** A dot segment (plain or percent-encoded), which the URL parser would resolve. */
const DOT_SEGMENT = /\/(?:\.|%2e)(?:\.|%2e)?(?:\/|\?|$)/i;

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const pools = new Map<string, Pool>();
  const connections = options.connections ?? 128;

  const poolFor = (PoolClass: typeof Pool, origin: string, servername: string | undefined, cert?: HttpRequestOptions['clientCertificate']): Pool => {
    const key = `${origin}|${servername ?? ''}|${cert?.id ?? ''}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = new PoolClass(origin, {
        connections,
        pipelining: 1,
        connect: origin.startsWith('https:')
          ? { ca: options.ca, servername, rejectUnauthorized: true, ...(cert ? { pfx: cert.pfx, ...(cert.passphrase !== undefined ? { passphrase: cert.passphrase } : {}) } : {}) }
          : undefined,
      });
      pools.set(key, pool);
    }
    return pool;
  };

  const proxies = new Map<string, ProxyAgent>();
  const proxyFor = (ProxyAgentClass: typeof ProxyAgent, p: NonNullable<HttpRequestOptions['proxy']>, tunnel: boolean, cert?: HttpRequestOptions['clientCertificate']): ProxyAgent => {
    const token = p.username !== undefined ? `Basic ${Buffer.from(`${p.username}:${p.password ?? ''}`).toString('base64')}` : undefined;
    const key = `${p.url}|${token ?? ''}|${tunnel}|${cert?.id ?? ''}`;
    let agent = proxies.get(key);
    if (!agent) {
      agent = new ProxyAgentClass({
        uri: p.url, proxyTunnel: tunnel, ...(token ? { token } : {}),
        requestTls: { ...(options.ca ? { ca: options.ca } : {}), rejectUnauthorized: true, ...(cert ? { pfx: cert.pfx, ...(cert.passphrase !== undefined ? { passphrase: cert.passphrase } : {}) } : {}) },
      });
      if (proxies.size >= 100) { const [k, old] = proxies.entries().next().value!; proxies.delete(k); void old.close().catch(() => undefined); }
      proxies.set(key, agent);
    }
    return agent;
  };

  /** Parsed origins (`scheme://host[:port]`) of the URLs seen, so that a request parses only its path (bounded). */
  const origins = new Map<string, { url: URL; hostname: string; isIp: boolean }>();
  const originOf = (origin: string) => {
    let o = origins.get(origin);
    if (!o) {
      const url = new URL(origin);
      const hostname = url.hostname.replace(/^\[|\]$/g, '');
      o = { url, hostname, isIp: isIP(hostname) !== 0 };
      if (origins.size >= 1000) origins.clear();
      origins.set(origin, o);
    }
    return o;
  };

  const request = async (input: string | URL, opts: HttpRequestOptions = {}): Promise<HttpResponse> => {
    if (opts.proxy) {
      const u = typeof input === 'string' ? new URL(input) : input;
      const https = u.protocol === 'https:';
      const res = await proxyFor((undici ?? (await loadUndici())).ProxyAgent, opts.proxy, https, https ? opts.clientCertificate : undefined).request({
        origin: u.origin, path: u.pathname + u.search, method: (opts.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: (opts.headers ?? {}) as Record<string, string | string[]> | string[], body: opts.body ?? null,
        headersTimeout: opts.headersTimeoutMs ?? 300_000, bodyTimeout: opts.bodyTimeoutMs ?? 300_000,
      });
      return { statusCode: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: res.body };
    }
    // Fast path for the common case, a string URL with a plain path: no URL object per request. Anything a URL
    // parser would rewrite (dot segments, characters it percent-encodes, a fragment) takes the full parse.
    let base: { url: URL; hostname: string; isIp: boolean };
    let path: string;
    let full: URL | undefined;
    const split = typeof input === 'string' ? input.indexOf('/', input.indexOf('://') + 3) : -1;
    const rawPath = typeof input === 'string' && split !== -1 ? input.slice(split) : undefined;
    if (rawPath !== undefined && SAFE_PATH.test(rawPath) && !DOT_SEGMENT.test(rawPath) && !rawPath.endsWith('?')) {
      base = originOf((input as string).slice(0, split));
      path = rawPath;
    } else {
      full = typeof input === 'string' ? new URL(input) : input;
      base = originOf(full.origin);
      path = full.pathname + full.search;
    }
    const { url: originUrl, hostname } = base;
    const local = options.resolver?.lookup(hostname);
    let origin = originUrl.origin;
    let servername: string | undefined = base.isIp ? undefined : hostname;
    if (local) {
      const inProcess = options.inProcess !== false ? local.dispatch?.[originUrl.protocol === 'https:' ? 'https' : 'http'] : undefined;
      if (inProcess) return inProcess(full ?? new URL(path, originUrl), opts);
      const target = originUrl.protocol === 'https:' ? local.https : local.http;
      if (!target) {
        throw new TwinError('ERR_HTTP_NO_LISTENER', `No local ${originUrl.protocol.slice(0, -1)} listener plays ${hostname}`);
      }
      origin = target;
    }
    if (!origin.startsWith('https:')) servername = undefined;
    // undici skips undefined values: the caller's headers go as they are, unless a local listener plays the
    // host and the Host header must be added (then one copy, never the caller's object changed).
    let headers = (opts.headers ?? {}) as Record<string, string | string[]> | string[];
    if (local && Array.isArray(headers)) {
      let hasHost = false;
      for (let i = 0; i < headers.length; i += 2) if (headers[i]!.length === 4 && headers[i]!.toLowerCase() === 'host') hasHost = true;
      if (!hasHost) headers = [...headers, 'host', originUrl.host];
    } else if (local) {
      const given = headers as Record<string, string | string[]>;
      headers = {};
      let hasHost = false;
      for (const k in given) {
        const v = given[k];
        if (v === undefined) continue;
        headers[k] = v;
        if (k.length === 4 && k.toLowerCase() === 'host') hasHost = true;
      }
      if (!hasHost) headers.host = originUrl.host;
    }
    const PoolClass = (undici ?? (await loadUndici())).Pool;
    const res = await poolFor(PoolClass, origin, servername, origin.startsWith('https:') ? opts.clientCertificate : undefined).request({
      path,
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
      await Promise.all([...pools.values(), ...proxies.values()].map((p) => p.close().catch(() => undefined)));
      pools.clear();
      proxies.clear();
    },
  };
}

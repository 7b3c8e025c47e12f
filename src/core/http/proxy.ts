import type { IncomingMessage, ServerResponse, IncomingHttpHeaders } from 'node:http';
import type { HttpClient, OutgoingHeaders } from './client.js';
import type { Readable } from 'node:stream';
import { pipeBody } from './pipe-body.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) never forwarded by a proxy. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Copy request headers minus hop-by-hop ones (and those named in `Connection`) and `Expect`: the
 * twin's listener has already answered `Expect: 100-continue` (node:http sends `100 Continue` before the
 * handler runs), as App Service's and APIM's front ends answer it themselves; the next hop gets the
 * body without the expectation (undici refuses to send `Expect` at all). `omit`: lower-case names also left out.
 */
export function forwardableHeaders(headers: IncomingHttpHeaders, omit?: ReadonlySet<string>): OutgoingHeaders {
  const out: OutgoingHeaders = {};
  const connection = headers.connection;
  const extra = connection ? new Set(String(connection).toLowerCase().split(',').map((s) => s.trim())) : undefined;
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined || HOP_BY_HOP.has(k) || k === 'expect' || extra?.has(k) || omit?.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** True when the request carries a body (framed by Content-Length or Transfer-Encoding), whatever its method. */
export function hasRequestBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}

/**
 * Outgoing headers (an object or a flat `[name, value, …]` list) as one object with lower-case names, a repeated
 * name as an array of its values in order (what a recording stub or a log reads).
 */
export function headerRecord(h: OutgoingHeaders | readonly string[] | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const add = (k: string, v: string | string[]) => {
    const key = k.toLowerCase();
    const prev = out[key];
    if (prev === undefined) out[key] = v;
    else out[key] = [...(Array.isArray(prev) ? prev : [prev]), ...(Array.isArray(v) ? v : [v])];
  };
  if (Array.isArray(h)) for (let i = 0; i + 1 < h.length; i += 2) add(h[i]!, h[i + 1]!);
  else if (h) for (const k in h as OutgoingHeaders) { const v = (h as OutgoingHeaders)[k]; if (v !== undefined) add(k, v); }
  return out;
}

function withoutHost(h: OutgoingHeaders): OutgoingHeaders {
  delete h.host;
  return h;
}

export interface ProxyTarget {
  /** Absolute URL to send the request to (path and query included). */
  url: string;
  method?: string;
  /**
   * Headers to send (an object or a flat `[name, value, …]` list); by default the incoming headers minus hop-by-hop
   * ones and `Host` (the target's host is sent).
   */
  headers?: OutgoingHeaders | string[];
  /** Milliseconds until the answer's headers must arrive, and of body inactivity (default: the client's, 300 s). */
  timeoutMs?: number;
}

/**
 * A response object that can take the upstream answer as it is (status, node-style headers, the body stream) instead
 * of `writeHead` + a pipe: the in-process gateway → site dispatch (runtime/site-dispatch.ts) hands the function's
 * body straight to the gateway, with the same head `writeHead` would have produced.
 */
export const RELAY_RESPONSE: unique symbol = Symbol('trustline relay response');
export interface RelayingResponse {
  [RELAY_RESPONSE](statusCode: number, headers: OutgoingHeaders, body: Readable): void;
}

export interface ProxyHooks {
  /** The upstream call failed before an answer (connection refused, reset, timeout); default: 502. */
  onError?: (err: Error) => void;
  /** The upstream answered (called before the answer is relayed); e.g. to explain a 431 in the log. */
  onResponse?: (statusCode: number) => void;
}

/**
 * Stream `req` to `target` and the answer back to `res`. A request body is forwarded whatever the
 * method (a GET with a body keeps it, as App Service and APIM forward it). Connection failures answer 502
 * (or call `hooks.onError`, so a caller can log the cause or answer in its own shape).
 */
export async function proxyRequest(
  client: HttpClient,
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
  hooks: ProxyHooks = {},
): Promise<void> {
  const method = target.method ?? req.method ?? 'GET';
  let upstream;
  try {
    upstream = await client.request(target.url, {
      method,
      headers: target.headers ?? withoutHost(forwardableHeaders(req.headers)),
      body: hasRequestBody(req) ? req : null,
      ...(target.timeoutMs !== undefined ? { headersTimeoutMs: target.timeoutMs, bodyTimeoutMs: target.timeoutMs } : {}),
    });
  } catch (e) {
    if (hooks.onError) return hooks.onError(e as Error);
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Bad Gateway');
    } else res.destroy();
    return;
  }
  hooks.onResponse?.(upstream.statusCode);
  const outHeaders: OutgoingHeaders = {};
  const given = upstream.headers;
  for (const k in given) {
    const v = given[k];
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    outHeaders[k] = v;
  }
  const relay = (res as Partial<RelayingResponse>)[RELAY_RESPONSE];
  if (relay) return relay.call(res, upstream.statusCode, outHeaders, upstream.body);
  res.writeHead(upstream.statusCode, outHeaders as Record<string, string | string[]>);
  await pipeBody(upstream.body, res);
}

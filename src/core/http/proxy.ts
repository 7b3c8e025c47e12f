import type { IncomingMessage, ServerResponse, IncomingHttpHeaders } from 'node:http';
import type { HttpClient, OutgoingHeaders } from './client.js';
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

/** Copy request headers minus hop-by-hop ones (and those named in `Connection`). */
export function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHeaders {
  const out: OutgoingHeaders = {};
  const connection = headers.connection;
  const extra = connection ? new Set(String(connection).toLowerCase().split(',').map((s) => s.trim())) : undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || extra?.has(k)) continue;
    out[k] = v;
  }
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
  /** Headers to send; by default the incoming headers minus hop-by-hop ones and `Host` (the target's host is sent). */
  headers?: OutgoingHeaders;
}

/**
 * Stream `req` to `target` and the answer back to `res`. Connection failures answer 502
 * (or call `onError` when given, so a caller such as the gateway can answer in its own shape).
 */
export async function proxyRequest(
  client: HttpClient,
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
  onError?: (err: Error) => void,
): Promise<void> {
  const method = target.method ?? req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD' && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
  let upstream;
  try {
    upstream = await client.request(target.url, {
      method,
      headers: target.headers ?? withoutHost(forwardableHeaders(req.headers)),
      body: hasBody ? req : null,
    });
  } catch (e) {
    if (onError) return onError(e as Error);
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Bad Gateway');
    } else res.destroy();
    return;
  }
  const outHeaders: OutgoingHeaders = {};
  for (const [k, v] of Object.entries(upstream.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    outHeaders[k] = v;
  }
  res.writeHead(upstream.statusCode, outHeaders as Record<string, string | string[]>);
  await pipeBody(upstream.body, res);
}

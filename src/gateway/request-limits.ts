import type { IncomingMessage } from 'node:http';

/**
 * Request size limits APIM documents for its gateway (docs/limits.md, "APIM policies" and "HTTP
 * listeners" tables): request URL 16,384 bytes including a query string of at most 2,048 bytes, a URL
 * path segment of at most 1,024 characters, a request payload of at most 1 GiB, and at most 2 MiB
 * buffered when a policy reads the body. The header section is bounded by the listener (Node's
 * `maxHeaderSize`, 32 KiB, `MAX_REQUEST_HEADER_BYTES` in src/runtime/listener.ts), which answers 431 before the gateway sees the request.
 */
export const GATEWAY_LIMITS = Object.freeze({
  maxUrlBytes: 16_384,
  maxQueryBytes: 2_048,
  maxPathSegmentChars: 1_024,
  maxRequestBodyBytes: 1024 ** 3,
  maxBufferedBodyBytes: 2 * 1024 * 1024,
});

export type GatewayLimits = typeof GATEWAY_LIMITS;

/** A refusal decided from the request line and headers alone: status, message and the reason logged. */
export interface LimitRefusal { status: number; message: string; reason: string }

/** Check the request line and the declared body size before anything else runs. */
export function checkRequestLimits(req: IncomingMessage, limits: GatewayLimits = GATEWAY_LIMITS): LimitRefusal | undefined {
  const url = req.url ?? '/';
  const urlBytes = Buffer.byteLength(url);
  if (urlBytes > limits.maxUrlBytes) {
    return { status: 414, message: 'Request URL too long', reason: `the request URL has ${urlBytes} bytes (limit ${limits.maxUrlBytes})` };
  }
  const q = url.indexOf('?');
  if (q >= 0 && urlBytes - q - 1 > limits.maxQueryBytes) {
    return { status: 414, message: 'Request URL too long', reason: `the query string has ${urlBytes - q - 1} bytes (limit ${limits.maxQueryBytes})` };
  }
  const path = q >= 0 ? url.slice(0, q) : url;
  let start = 0;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end < 0) end = path.length;
    if (end - start > limits.maxPathSegmentChars) {
      return { status: 400, message: 'Bad Request', reason: `a URL path segment has ${end - start} characters (limit ${limits.maxPathSegmentChars})` };
    }
    start = end + 1;
  }
  const cl = req.headers['content-length'];
  if (cl !== undefined && Number(cl) > limits.maxRequestBodyBytes) {
    return { status: 413, message: 'Request entity too large', reason: `Content-Length ${cl} exceeds ${limits.maxRequestBodyBytes} bytes` };
  }
  return undefined;
}

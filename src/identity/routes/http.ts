import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ParsedRequest {
  /** Lower-cased path segments; empty segments (`//`, trailing `/`) dropped. */
  segments: string[];
  query: URLSearchParams;
}

/** Split `req.url` without `new URL` (which would read `//metadata/...` as a host). Accepts absolute-form URLs. */
export function parseRequestUrl(rawUrl: string | undefined): ParsedRequest {
  let raw = rawUrl ?? '/';
  const absolute = /^https?:\/\/[^/?#]*/i.exec(raw);
  if (absolute) raw = raw.slice(absolute[0].length) || '/';
  const hash = raw.indexOf('#');
  if (hash >= 0) raw = raw.slice(0, hash);
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s).toLowerCase();
      } catch {
        return s.toLowerCase();
      }
    });
  return { segments, query };
}

/** A header's single value (first one if repeated). */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** A query parameter, `undefined` when absent or empty. */
export function queryValue(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  return v === null || v === '' ? undefined : v;
}

/** Send a JSON body (already serialised or not). HEAD gets headers only. Never throws. */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.writableEnded) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Largest form body the token and sign-in endpoints read (a client assertion is a few KB). */
export const MAX_FORM_BYTES = 64 * 1024;

/**
 * Read an `application/x-www-form-urlencoded` body. Resolves `undefined` when it exceeds
 * MAX_FORM_BYTES (the rest is drained, not buffered) or the connection fails.
 */
export function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        tooBig = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(tooBig ? undefined : new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => resolve(undefined));
  });
}


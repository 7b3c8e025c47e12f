import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CodeFunction } from './control-plane/code-functions.js';

/**
 * The functions the built-in echo's code declares, as its Functions host lists them through ARM: one anonymous HTTP
 * function `hello` (the seed's `/api/hello`, what `trustline up` prints). The echo answers every other path too. [I]
 */
export const ECHO_FUNCTIONS: readonly CodeFunction[] = [{ name: 'hello', authLevel: 'anonymous', language: 'node' }];

/**
 * The built-in function backend: answers every path with JSON describing the request it
 * received — `{method, path, query, headers}`, plus `body` (UTF-8) when the request had one — so that
 * a caller can see exactly what Easy Auth forwarded (identity headers included).
 */
export function echoFunction(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://function.local');
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const received = Buffer.concat(chunks);
    // Indented, so that a person reading `curl` output sees one header a line.
    const body = JSON.stringify({ method: req.method, path: url.pathname, query, headers, ...(received.length > 0 ? { body: received.toString('utf8') } : {}) }, null, 2) + '\n';
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  req.on('error', () => res.destroy());
}

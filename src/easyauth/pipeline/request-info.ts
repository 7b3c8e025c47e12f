import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AuthSettings } from '../settings/types.js';

export interface RequestInfo {
  method: string;
  scheme: 'http' | 'https';
  /** Host as the caller saw it (Host header, or the forward-proxy header). */
  host: string;
  /** Path without query. */
  path: string;
  /** Path and query as received. */
  pathAndQuery: string;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.split(',')[0]!.trim();
}

/** Scheme and host per `httpSettings.forwardProxy` (docs/behaviour/easyauth.md §4.8); TLS socket → https. */
export function requestInfo(req: IncomingMessage, settings: AuthSettings): RequestInfo {
  const pathAndQuery = req.url ?? '/';
  const q = pathAndQuery.indexOf('?');
  const path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  let scheme: 'http' | 'https' = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  let host = header(req, 'host') ?? 'localhost';
  const fp = settings.httpSettings.forwardProxy;
  let protoHeader: string | undefined;
  let hostHeader: string | undefined;
  if (fp.convention === 'Standard') {
    protoHeader = 'x-forwarded-proto';
    hostHeader = 'x-forwarded-host';
  } else if (fp.convention === 'Custom') {
    protoHeader = fp.customProtoHeaderName;
    hostHeader = fp.customHostHeaderName;
  }
  const proto = protoHeader ? header(req, protoHeader)?.toLowerCase() : undefined;
  if (proto === 'http' || proto === 'https') scheme = proto;
  const fwdHost = hostHeader ? header(req, hostHeader) : undefined;
  if (fwdHost) host = fwdHost;
  return { method: (req.method ?? 'GET').toUpperCase(), scheme, host, path, pathAndQuery };
}

/** `excludedPaths` matching (docs/behaviour/easyauth.md §4.9): exact, trailing `*` = prefix, query ignored. */
export function isExcludedPath(path: string, excluded: string[], caseInsensitive: boolean): string | undefined {
  const p = caseInsensitive ? path.toLowerCase() : path;
  for (const raw of excluded) {
    const e = caseInsensitive ? raw.toLowerCase() : raw;
    if (e.endsWith('*') ? p.startsWith(e.slice(0, -1)) : p === e) return raw;
  }
  return undefined;
}

/** Is `path` under the auth route prefix (`/.auth`, `/.auth/...`)? Case-insensitive. */
export function isAuthRoute(path: string, apiPrefix: string): boolean {
  const p = path.toLowerCase();
  const prefix = apiPrefix.toLowerCase();
  return p === prefix || p.startsWith(prefix + '/');
}

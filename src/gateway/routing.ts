import type { IncomingMessage } from 'node:http';

/** Normalised API path: no leading/trailing slash, lower case. */
export function normalizeApiPath(p: string): string {
  return p.replace(/^\/+|\/+$/g, '').toLowerCase();
}

/** The relative path of `path` under the API path, or undefined (segment-aligned prefix, case-insensitive). */
export function underApiPath(apiPath: string, path: string): string | undefined {
  if (apiPath === '') return path;
  const lower = path.toLowerCase();
  const prefix = '/' + apiPath;
  if (lower === prefix) return '';
  if (lower.startsWith(prefix + '/')) return path.slice(prefix.length);
  return undefined;
}

export function requestScheme(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}

export function clientIp(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

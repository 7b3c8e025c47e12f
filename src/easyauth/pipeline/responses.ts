import type { ServerResponse } from 'node:http';

/** Short bodies like the ones App Service returns (docs/behaviour/easyauth.md §4.4: not contractual). */
export const BODIES = {
  400: 'Bad Request',
  401: 'You do not have permission to view this directory or page.',
  403: 'You do not have permission to view this directory or page.',
  404: 'The resource you are looking for has been removed, had its name changed, or is temporarily unavailable.',
  500: 'An internal server error occurred.',
} as const;

export function sendStatus(res: ServerResponse, status: 400 | 401 | 403 | 404 | 500, extra: Record<string, string> = {}): void {
  const body = BODIES[status];
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'text/html',
    'content-length': String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(body);
}

export function sendRedirect(res: ServerResponse, location: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(302, { location, 'content-length': '0' });
  res.end();
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The cookie the console's link leaves in the browser (HttpOnly, SameSite=Strict; Secure over https). */
export const CONSOLE_COOKIE = 'trustline-console';

/** Compares two secrets in constant time (whatever their lengths). */
export const sameSecret = (a: string, b: string): boolean => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Who may see the console. The control plane needs a bearer token, which a browser does not have: the console's link
 * (the ready file's `console`, printed by `trustline up`) carries a secret instead, as Jupyter's does. Opening it sets
 * the cookie and redirects to the bare URL (the secret leaves the address bar and the history); later pages need the
 * cookie. Returns true when the request may go on; otherwise the answer (redirect or 401 page) is sent.
 */
export function admitConsole(req: IncomingMessage, res: ServerResponse, key: string | undefined, page401: () => string): boolean {
  if (key === undefined) return true;
  const url = new URL(req.url ?? '/', 'http://console');
  const offered = url.searchParams.get('console-key');
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  if (offered !== null && sameSecret(offered, key)) {
    url.searchParams.delete('console-key');
    res.writeHead(303, {
      location: `/${url.search}`,
      'set-cookie': `${CONSOLE_COOKIE}=${key}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`,
      'content-length': '0',
    });
    res.end();
    return false;
  }
  const cookie = cookieOf(req, CONSOLE_COOKIE);
  if (cookie !== undefined && sameSecret(cookie, key)) return true;
  const body = page401();
  res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
  return false;
}

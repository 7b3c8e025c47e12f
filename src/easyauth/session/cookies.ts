import type { IncomingMessage, ServerResponse } from 'node:http';

/** The App Service session cookie (docs/behaviour/easyauth.md §4.7). */
export const SESSION_COOKIE = 'AppServiceAuthSession';

/** `AppServiceAuthSession=…; path=/; secure; HttpOnly; SameSite=None` (Lax on plain http, where None is refused). */
export function sessionCookie(value: string, secure: boolean, expiresAtSeconds: number): string {
  const expires = new Date(expiresAtSeconds * 1000).toUTCString();
  return `${SESSION_COOKIE}=${value}; expires=${expires}; path=/; ${secure ? 'secure; ' : ''}HttpOnly; SameSite=${secure ? 'None' : 'Lax'}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/; ${secure ? 'secure; ' : ''}HttpOnly; SameSite=${secure ? 'None' : 'Lax'}`;
}

export function appendSetCookie(res: ServerResponse, cookie: string): void {
  const prev = res.getHeader('set-cookie');
  res.setHeader('set-cookie', prev === undefined ? [cookie] : [...(Array.isArray(prev) ? prev : [String(prev)]), cookie]);
}

/** The session cookie's value from the request, if any. */
export function sessionCookieOf(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === SESSION_COOKIE) {
      const v = part.slice(i + 1).trim();
      return v === '' ? undefined : v;
    }
  }
  return undefined;
}

import type { IncomingMessage } from 'node:http';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** User agents App Service treats as browsers (the guard is for browsers only, docs/behaviour/easyauth.md §4.1 step 10). */
const BROWSER = /Mozilla\/|Chrome\/|Safari\/|Firefox\/|Edg\//;

function originOf(v: string | undefined): string | undefined {
  if (v === undefined || v === '' || v === 'null') return undefined;
  try {
    return new URL(v).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Is this cookie-authenticated request a cross-site forgery suspect? A state-changing method from a
 * browser user agent whose `Origin` (else `Referer`) is missing or names neither this host nor one of
 * `allowedExternalRedirectUrls` → App Service answers 403 (Azure/azure-functions-host#1602).
 */
export function csrfSuspect(req: IncomingMessage, host: string, allowedExternal: readonly string[]): boolean {
  if (!UNSAFE.has((req.method ?? 'GET').toUpperCase())) return false;
  const ua = req.headers['user-agent'];
  if (typeof ua !== 'string' || !BROWSER.test(ua)) return false;
  const origin = originOf(typeof req.headers.origin === 'string' ? req.headers.origin : undefined) ?? originOf(typeof req.headers.referer === 'string' ? req.headers.referer : undefined);
  if (origin === undefined) return true;
  if (origin === host.toLowerCase()) return false;
  return !allowedExternal.some((a) => originOf(a) === origin);
}

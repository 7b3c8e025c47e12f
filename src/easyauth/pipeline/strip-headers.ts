import type { IncomingHttpHeaders } from 'node:http';
import { HOP_BY_HOP, type OutgoingHeaders } from '../../core/index.js';

/**
 * Platform-owned headers clients may not set (docs/behaviour/easyauth.md §4.1 step 4, §4.6): `X-MS-CLIENT-PRINCIPAL*` and
 * `X-MS-TOKEN-*`, in any spelling that a framework behind the site folds onto them.
 *
 * Evidence: the App Service documentation promises the app that "external requests aren't allowed to set
 * these headers, so they're present only if App Service sets them" (App Service docs, "Work with user identities"; docs/behaviour/easyauth.md §4.6);
 * it does not publish which aliases the front end removes. The aliases matter because CGI-style header
 * mapping folds `-`, `_` (and in PHP `.`) onto `_`: IIS server variables (`HTTP_X_MS_CLIENT_PRINCIPAL_ID`),
 * WSGI/CGI environ, PHP `$_SERVER` all give `X_MS_CLIENT_PRINCIPAL_ID: forged` and the real
 * `X-MS-CLIENT-PRINCIPAL-ID` the same name, and nginx drops underscore headers by default for that reason
 * (`underscores_in_headers off`). The safe reading of the promise is the one the twin applies: a header
 * whose name, case-folded with every non-alphanumeric character read as `-`, is a platform header never
 * reaches the function. [I] docs/differences.md.
 */
export function isPlatformHeader(name: string): boolean {
  const n = name.toLowerCase();
  if (n.startsWith('x-ms-client-principal') || n.startsWith('x-ms-token-')) return true;
  if (!/^x[^a-z0-9]ms[^a-z0-9]/.test(n)) return false;
  const folded = n.replace(/[^a-z0-9]/g, '-');
  return folded.startsWith('x-ms-client-principal') || folded.startsWith('x-ms-token-');
}

/**
 * Forwardable request headers minus hop-by-hop and platform-owned ones (and `omit`: names a front end owns), in one
 * pass over node's (lower-case) header object; returns how many platform headers were stripped. The result is a
 * fresh object the caller may add to (the identity headers, the front end's) without another copy.
 */
export function strippedHeaders(headers: IncomingHttpHeaders, omit?: ReadonlySet<string>): { headers: OutgoingHeaders; stripped: number } {
  const out: OutgoingHeaders = {};
  const connection = headers.connection;
  const named = connection ? new Set(String(connection).toLowerCase().split(',').map((x) => x.trim())) : undefined;
  let stripped = 0;
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined || HOP_BY_HOP.has(k) || k === 'expect' || named?.has(k) || omit?.has(k)) continue;
    // Only names starting with `x` can be platform headers: the common headers cost one comparison.
    if (k.charCodeAt(0) === 120 && isPlatformHeader(k)) {
      stripped++;
      continue;
    }
    out[k] = v;
  }
  return { headers: out, stripped };
}

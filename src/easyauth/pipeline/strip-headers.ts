import type { IncomingHttpHeaders } from 'node:http';
import { forwardableHeaders, type OutgoingHeaders } from '../../core/index.js';

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

/** Forwardable request headers minus hop-by-hop and platform-owned ones; returns how many were stripped. */
export function strippedHeaders(headers: IncomingHttpHeaders): { headers: OutgoingHeaders; stripped: number } {
  const out = forwardableHeaders(headers);
  let stripped = 0;
  for (const k in out) {
    if (isPlatformHeader(k)) {
      delete out[k];
      stripped++;
    }
  }
  return { headers: out, stripped };
}

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
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
  const named = connectionNamed(headers);
  let stripped = 0;
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    const kept = keptHeader(k, named, omit);
    if (kept === KEEP) out[k] = v;
    else if (kept === PLATFORM) stripped++;
  }
  return { headers: out, stripped };
}

const KEEP = 0;
const DROP = 1;
const PLATFORM = 2;

/** The names the request's `Connection` header lists (hop-by-hop for this request), if it has one. */
function connectionNamed(headers: IncomingHttpHeaders): Set<string> | undefined {
  const connection = headers.connection;
  return connection ? new Set(String(connection).toLowerCase().split(',').map((x) => x.trim())) : undefined;
}

/**
 * Whether a (lower-case) request header reaches the function: KEEP, DROP (hop-by-hop, `Expect`, named by `Connection`,
 * or in `omit`) or PLATFORM (a platform-owned header, counted as stripped). One rule for both stripping paths.
 */
function keptHeader(k: string, named: Set<string> | undefined, omit: ReadonlySet<string> | undefined): number {
  if (HOP_BY_HOP.has(k) || k === 'expect' || named?.has(k) || omit?.has(k)) return DROP;
  // Only names starting with `x` can be platform headers: the common headers cost one comparison.
  return k.charCodeAt(0) === 120 && isPlatformHeader(k) ? PLATFORM : KEEP;
}

/**
 * The same headers as `strippedHeaders`, as a flat `[name, value, …]` list taken from the request's raw lines by
 * skipping indices (no object per request; undici sends a flat list as it is). The names are node's lower-case ones
 * and the order is node's header object's, so the function receives the same bytes. Returns undefined when the raw
 * lines would not give that (a name repeated, which node joins into one value; a name starting with a digit, which
 * an object orders first): the caller then takes `strippedHeaders`.
 */
export function strippedRawHeaders(req: IncomingMessage, omit?: ReadonlySet<string>): { headers: string[]; stripped: number } | undefined {
  const raw = req.rawHeaders;
  const h = req.headers;
  let names = 0;
  for (const _ in h) names++;
  if (names * 2 !== raw.length) return undefined;
  const named = connectionNamed(h);
  const out: string[] = [];
  let stripped = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57) return undefined;
    const kept = keptHeader(k, named, omit);
    if (kept === KEEP) out.push(k, raw[i + 1]!);
    else if (kept === PLATFORM) stripped++;
  }
  return { headers: out, stripped };
}

/** An outgoing header object as a flat `[name, value, …]` list (an array value: one pair per value, as undici sends it). */
export function flatHeaders(o: OutgoingHeaders, out: string[] = []): string[] {
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push(k, x);
    else out.push(k, String(v));
  }
  return out;
}

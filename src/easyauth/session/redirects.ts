/**
 * Where `/.auth/login/*` and `/.auth/logout` may send the browser (docs/behaviour/easyauth.md §2.4, §4.7): a path on this site,
 * an absolute URL on this host, or one of `allowedExternalRedirectUrls` (its query string ignored).
 * Anything else is refused rather than followed (an open redirect).
 */
export function redirectAllowed(target: string, host: string, allowedExternal: readonly string[]): boolean {
  if (target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/\\')) return true;
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
  if (u.host.toLowerCase() === host.toLowerCase()) return true;
  const base = (s: string) => s.split('?')[0]!.split('#')[0]!.replace(/\/+$/, '').toLowerCase();
  return allowedExternal.some((a) => base(a) === base(target) || base(target).startsWith(base(a) + '/'));
}

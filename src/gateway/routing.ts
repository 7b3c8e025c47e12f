import type { IncomingMessage } from 'node:http';

/** An operation URL template compiled to a matcher: `{id}` → one segment, `{*rest}` → the remainder. */
export interface TemplateMatcher {
  readonly regex: RegExp;
  readonly params: readonly string[];
  /** Sort key: literal operations before parameterised ones. */
  readonly rank: number;
}

export function compileTemplate(urlTemplate: string): TemplateMatcher {
  const path = urlTemplate.split('?')[0] ?? '';
  const params: string[] = [];
  let re = '';
  let literal = 0;
  const parts = path.split(/(\{[^}]+\})/);
  for (const p of parts) {
    const m = /^\{(\*?)([^}=]+)(?:=[^}]*)?\}$/.exec(p);
    if (m) {
      params.push(m[2]!);
      re += m[1] ? '(.*)' : '([^/]+)';
    } else {
      literal += p.length;
      re += p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  if (!re.startsWith('/')) re = '/' + re;
  re = re.replace(/\/$/, '');
  return { regex: new RegExp(`^${re}/?$`, 'i'), params, rank: params.length * 10_000 - literal };
}

export function matchTemplate(m: TemplateMatcher, relativePath: string): Map<string, string> | undefined {
  const r = m.regex.exec(relativePath === '' ? '/' : relativePath);
  if (!r) return undefined;
  const out = new Map<string, string>();
  m.params.forEach((p, i) => {
    const v = r[i + 1] ?? '';
    let decoded = v;
    try { decoded = decodeURIComponent(v); } catch { /* keep raw */ }
    out.set(p, decoded);
  });
  return out;
}

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

/**
 * The query string the gateway sends on (forward-request, send-request's `context.Request.Url`, `Url.QueryString`),
 * rebuilt from `context.Request.Url.Query` as APIM's object model holds it (docs/behaviour/apim.md §1.7): a dictionary
 * of name → values, so a name's values stand together at the name's first place (`a=1&b=2&a=3` → `a=1&a=3&b=2`); every
 * name and value escaped as RFC 3986 data (`Uri.EscapeDataString`: all but letters, digits and `-._~`, UTF-8, upper-case
 * hex); a name without a value as `name=`. [tk: the policy toolkit's IUrl, Query a Dictionary<string, string[]> and
 * QueryString through UrlEncoder.Default]
 */
export function queryString(query: ReadonlyArray<readonly [string, string]>): string {
  if (query.length === 0) return '';
  const groups = new Map<string, string[]>();
  for (const [k, v] of query) {
    const values = groups.get(k);
    if (values) values.push(v);
    else groups.set(k, [v]);
  }
  const parts: string[] = [];
  for (const [k, values] of groups) for (const v of values) parts.push(`${escapeData(k)}=${escapeData(v)}`);
  return parts.join('&');
}

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/** RFC 3986 data escaping of UTF-8 bytes (what .NET's Uri.EscapeDataString and UrlEncoder.Default leave: `A-Za-z0-9-._~`). */
export function escapeData(s: string): string {
  if (UNRESERVED.test(s)) return s;
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 128 && UNRESERVED.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Set `name`'s values where the name stands (set-query-parameter override): its first place keeps it, later ones go. */
export function replaceQueryValues(query: ReadonlyArray<[string, string]>, name: string, values: readonly string[]): Array<[string, string]> {
  const at = query.findIndex(([k]) => k === name);
  const rest = query.filter(([k]) => k !== name);
  const added = values.map((v) => [name, v] as [string, string]);
  if (at < 0) return [...rest, ...added];
  const before = query.slice(0, at).filter(([k]) => k !== name).length;
  return [...rest.slice(0, before), ...added, ...rest.slice(before)];
}

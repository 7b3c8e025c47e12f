import { TwinError, type SourceLocation } from '../core/index.js';

/**
 * Operation URL templates (`/users/{id}`, `/files/{*path}`, `/items({id})?a={b}`), parsed once at
 * deploy time and matched segment by segment in time linear in the request path (no regular
 * expressions, so no backtracking).
 *
 * APIM's template syntax is the .NET UriTemplate's: a multi-segment wildcard `{*name}` may appear
 * once and only as the whole last path segment; two variables in one segment must be separated by a
 * literal; a name appears once. APIM refuses other shapes when the operation is saved (400
 * ValidationError on `urlTemplate`); the twin refuses them when the deployment is evaluated
 * (ERR_APIM_URL_TEMPLATE). Evidence and limits: docs/limits.md (APIM policies), docs/errors/gateway.md.
 */

/** One piece of a path segment: literal text or a `{name}` variable. */
type Piece = { kind: 'literal'; text: string } | { kind: 'param'; name: string };

interface Segment {
  readonly pieces: readonly Piece[];
}

export interface UrlTemplate {
  readonly source: string;
  readonly segments: readonly Segment[];
  /** Name of the trailing `{*name}` wildcard, if any. */
  readonly wildcard: string | undefined;
  /** Path parameter names in order (wildcard last). */
  readonly params: readonly string[];
  /** Query part as written after `?` (`a={b}&c={d}`), '' when none. */
  readonly query: string;
  /**
   * The query part's literal pairs (`?soapAction=urn:add`: name and value decoded, no `{…}`): a request matches only
   * when its query carries each of them (names and values compared ignoring case) — how APIM tells apart operations
   * that share a path, SOAP pass-through operations among them (docs/behaviour/apim.md §1.6).
   */
  readonly queryLiterals: ReadonlyArray<readonly [string, string]>;
  /** Sort key: literal operations before parameterised ones, longer literals first. */
  readonly rank: number;
}

/** Longest urlTemplate accepted (APIM's own limit on the property is 1000 characters). */
export const MAX_URL_TEMPLATE_LENGTH = 1000;

function templateError(message: string, location: SourceLocation | undefined, source: string): TwinError {
  return new TwinError('ERR_APIM_URL_TEMPLATE', `The urlTemplate '${source.slice(0, 200)}' is not valid: ${message}`, {
    ...(location ? { location } : {}),
    details: { urlTemplate: source.slice(0, 200) },
  });
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function parseSegment(text: string, isLast: boolean, seen: Set<string>, fail: (m: string) => never): { seg: Segment; wildcard?: string } {
  const pieces: Piece[] = [];
  let i = 0;
  let wildcard: string | undefined;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    const close = text.indexOf('}', i);
    if (close >= 0 && (open < 0 || close < open)) fail(`'}' without '{' in the segment '${text}'`);
    if (open < 0) { pieces.push({ kind: 'literal', text: text.slice(i) }); break; }
    if (open > i) pieces.push({ kind: 'literal', text: text.slice(i, open) });
    const end = text.indexOf('}', open);
    if (end < 0) fail(`'{' is not closed in the segment '${text}'`);
    let inner = text.slice(open + 1, end);
    const eq = inner.indexOf('=');
    if (eq >= 0) inner = inner.slice(0, eq);
    let name = inner.trim();
    if (name.startsWith('*')) {
      name = name.slice(1);
      if (wildcard !== undefined) fail('the wildcard can appear only once');
      if (!isLast || open !== 0 || end !== text.length - 1) {
        fail(`the wildcard '{*${name}}' is valid only as the whole last path segment`);
      }
      wildcard = name;
    }
    if (!NAME.test(name)) fail(`'{${inner}}' is not a valid parameter name`);
    const key = name.toLowerCase();
    if (seen.has(key)) fail(`the parameter '${name}' appears more than once`);
    seen.add(key);
    const prev = pieces.at(-1);
    if (prev && prev.kind === 'param') fail(`the parameters '{${prev.name}}' and '{${name}}' must be separated by a literal`);
    pieces.push({ kind: 'param', name });
    i = end + 1;
  }
  return { seg: { pieces }, ...(wildcard !== undefined ? { wildcard } : {}) };
}

/** Parse and validate an operation urlTemplate; throws ERR_APIM_URL_TEMPLATE with `location`. */
export function parseUrlTemplate(source: string, location?: SourceLocation): UrlTemplate {
  const fail = (m: string): never => { throw templateError(m, location, source); };
  if (source.length > MAX_URL_TEMPLATE_LENGTH) fail(`it is longer than ${MAX_URL_TEMPLATE_LENGTH} characters`);
  const q = source.indexOf('?');
  const path = q >= 0 ? source.slice(0, q) : source;
  const query = q >= 0 ? source.slice(q + 1) : '';
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  const texts = trimmed === '' ? [] : trimmed.split('/');
  const seen = new Set<string>();
  const segments: Segment[] = [];
  const params: string[] = [];
  let wildcard: string | undefined;
  let literal = 0;
  texts.forEach((t, idx) => {
    const isLast = idx === texts.length - 1;
    if (t === '') fail('it has an empty path segment (//)');
    const { seg, wildcard: w } = parseSegment(t, isLast, seen, fail);
    if (w !== undefined) { wildcard = w; return; }
    for (const p of seg.pieces) {
      if (p.kind === 'param') params.push(p.name);
      else literal += p.text.length;
    }
    segments.push(seg);
  });
  if (query.includes('{*')) fail('a wildcard is not allowed in the query part');
  for (const m of query.matchAll(/\{([^}]*)\}/g)) {
    const name = m[1]!.split('=')[0]!.trim();
    if (!NAME.test(name)) fail(`'{${m[1]}}' is not a valid parameter name`);
    if (seen.has(name.toLowerCase())) fail(`the parameter '${name}' appears more than once`);
    seen.add(name.toLowerCase());
  }
  if (wildcard !== undefined) params.push(wildcard);
  const queryLiterals: Array<[string, string]> = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || pair.includes('{')) continue;
    queryLiterals.push([decode(pair.slice(0, eq)).toLowerCase(), decode(pair.slice(eq + 1)).toLowerCase()]);
  }
  // an operation that also names query literals goes before one with the same path that names none
  const rank = (wildcard !== undefined ? 1_000_000 : 0) + params.length * 10_000 - literal - (queryLiterals.length ? 0.5 : 0);
  return { source, segments, wildcard, params, query, queryLiterals, rank };
}

function decode(v: string): string {
  try { return decodeURIComponent(v); } catch { return v; }
}

/**
 * Match one segment's pieces against `text`. A variable ends at the first occurrence of the literal
 * that follows it, or, when that literal ends the segment, at the segment's suffix.
 */
function matchSegment(seg: Segment, text: string, out: Map<string, string>): boolean {
  const pieces = seg.pieces;
  const lower = text.toLowerCase();
  let pos = 0;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (p.kind === 'literal') {
      const lit = p.text.toLowerCase();
      if (!lower.startsWith(lit, pos)) return false;
      pos += lit.length;
      continue;
    }
    const next = pieces[i + 1];
    let end: number;
    if (!next) end = text.length;
    else {
      const lit = (next as { text: string }).text.toLowerCase();
      end = i + 1 === pieces.length - 1 ? (lower.endsWith(lit) ? text.length - lit.length : -1) : lower.indexOf(lit, pos + 1);
    }
    if (end <= pos) return false;
    out.set(p.name, decode(text.slice(pos, end)));
    pos = end;
  }
  return pos === text.length;
}

/**
 * Match a path relative to the API (`/users/42`); the parameters by name, or undefined. Linear in
 * the length of the path: each segment is compared once, literals by a single forward search.
 */
export function matchUrlTemplate(t: UrlTemplate, relativePath: string): Map<string, string> | undefined {
  let rel = relativePath.startsWith('/') ? relativePath.slice(1) : relativePath;
  const out = new Map<string, string>();
  const n = t.segments.length;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const slash = rel.indexOf('/', pos);
    if (slash < 0 && i < n - 1) return undefined;
    const end = slash < 0 ? rel.length : slash;
    const text = rel.slice(pos, end);
    if (text === '' || !matchSegment(t.segments[i]!, text, out)) return undefined;
    pos = slash < 0 ? rel.length : slash + 1;
  }
  if (t.wildcard !== undefined) {
    out.set(t.wildcard, decode(rel.slice(pos)));
    return out;
  }
  // one optional trailing slash
  if (pos === rel.length) return out;
  rel = rel.slice(pos);
  return rel === '' ? out : undefined;
}

/** Whether a request query (plus the names the caller adds, e.g. a SOAP action) carries the template's query literals. */
export function matchQueryLiterals(t: UrlTemplate, query: ReadonlyArray<readonly [string, string]>): boolean {
  for (const [name, value] of t.queryLiterals) {
    if (!query.some(([k, v]) => k.toLowerCase() === name && v.toLowerCase() === value)) return false;
  }
  return true;
}

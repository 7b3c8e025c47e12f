import type { IncomingHttpHeaders } from 'node:http';
import { HOP_BY_HOP } from '../../core/index.js';
import type { HeaderMap } from '../expressions/host.js';

/** Headers sent as repeated lines instead of one comma-joined value (docs/behaviour/apim.md §2 set-header). */
export const MULTI_LINE_HEADERS = new Set([
  'user-agent', 'www-authenticate', 'proxy-authenticate', 'cookie', 'set-cookie', 'warning', 'date', 'expires',
  'if-modified-since', 'if-unmodified-since', 'last-modified', 'retry-after',
]);

/**
 * Request headers never sent on to the backend: hop-by-hop ones, and `Expect`. The gateway's listener
 * has already answered `100 Continue` to the client and reads the body itself; the backend gets the
 * body at once (APIM's `continue-timeout` wait for the backend's own 100 is not modelled: see
 * docs/differences.md).
 */
export const NOT_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'expect']);

/** Headers a policy may not change or delete. */
export const PROTECTED_HEADERS = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding']);

export function headerMapFromRaw(raw: string[]): HeaderMap {
  const m: HeaderMap = new Map();
  for (let i = 0; i + 1 < raw.length; i += 2) addHeader(m, raw[i]!, raw[i + 1]!);
  return m;
}

export function headerMapFromNode(h: IncomingHttpHeaders): HeaderMap {
  const m: HeaderMap = new Map();
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) addHeader(m, k, x);
  }
  return m;
}

export function addHeader(m: HeaderMap, name: string, value: string): void {
  const key = name.toLowerCase();
  const e = m.get(key);
  if (e) e.values.push(value);
  else m.set(key, { name, values: [value] });
}

export function setHeader(m: HeaderMap, name: string, values: string[]): void {
  m.set(name.toLowerCase(), { name, values });
}

/** Outgoing headers for node:http / undici, hop-by-hop headers dropped (added to `out`). */
export function toOutgoing(m: HeaderMap, drop: ReadonlySet<string> = HOP_BY_HOP, out: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  for (const [key, e] of m) {
    if (drop.has(key)) continue;
    out[key] = MULTI_LINE_HEADERS.has(key) ? (e.values.length === 1 ? e.values[0]! : [...e.values]) : e.values.join(',');
  }
  return out;
}

/**
 * The same headers as `toOutgoing`, as a flat `[name, value, …]` list (what undici and the in-process dispatch send
 * as it is: no object with a key per header). A multi-line header gives one pair per value.
 */
export function toOutgoingList(m: HeaderMap, drop: ReadonlySet<string> = HOP_BY_HOP, out: string[] = []): string[] {
  for (const [key, e] of m) {
    if (drop.has(key)) continue;
    const v = e.values;
    if (v.length === 1) out.push(key, v[0]!);
    else if (MULTI_LINE_HEADERS.has(key)) for (const x of v) out.push(key, x);
    else out.push(key, v.join(','));
  }
  return out;
}

/**
 * `list[name] = value` on a flat list whose names are lower-case and, but for multi-line headers, unique: the value
 * replaced where the name stands, or appended (as an object key assignment orders it).
 */
export function setListed(list: string[], name: string, value: string): void {
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] === name) {
      list[i + 1] = value;
      return;
    }
  }
  list.push(name, value);
}

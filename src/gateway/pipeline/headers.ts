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

/** Outgoing headers for node:http / undici, hop-by-hop headers dropped. */
export function toOutgoing(m: HeaderMap, drop: ReadonlySet<string> = HOP_BY_HOP): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, e] of m) {
    if (drop.has(key)) continue;
    out[key] = MULTI_LINE_HEADERS.has(key) ? (e.values.length === 1 ? e.values[0]! : [...e.values]) : e.values.join(',');
  }
  return out;
}

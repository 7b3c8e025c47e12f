import { armError } from '../../errors.js';
import type { ArmFunction } from '../context.js';
import { armGuid, uniqueString } from '../hash.js';
import { deepEquals, expectInt, expectString, fnError, isObject, toArmString, typeName } from '../values.js';
import { dotnetFormat } from './format.js';
import { parseJsonText } from '../json-text.js';
import { ARM_LIMITS, checkCollectionLength, checkStringLength, jsonSizeUpTo } from '../limits.js';

/** Join strings after checking the total length (no oversized string is ever built). */
export function joinChecked(parts: string[], separator: string, fn: string): string {
  let total = separator.length * Math.max(0, parts.length - 1);
  for (const p of parts) total += p.length;
  checkStringLength(total, fn);
  return parts.join(separator);
}

/** `string()` of any value, refusing values whose text would exceed the string limit. */
export function toArmStringChecked(v: unknown, fn: string): string {
  if (v !== null && typeof v === 'object') checkStringLength(jsonSizeUpTo(v, ARM_LIMITS.maxStringLength), fn);
  return toArmString(v);
}

/** .NET Uri.UnescapeDataString: decodes valid %XX UTF-8 sequences and leaves invalid ones as written. */
export function unescapeDataString(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i]!;
      const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
      const chunk = len === 0 ? undefined : bytes.subarray(i, i + len);
      const text = chunk && chunk.length === len ? new TextDecoder('utf-8', { fatal: false }).decode(chunk) : undefined;
      if (text !== undefined && !text.includes('\ufffd')) {
        out += text;
        i += len;
      } else {
        out += run.slice(i * 3, i * 3 + 3);
        i += 1;
      }
    }
    return out;
  });
}

/** `data:[<mediatype>][;base64],<data>` → the text it carries (RFC 2397; non-base64 data is percent-decoded). */
function dataUriToString(uri: string): string {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/is.exec(uri);
  if (!m) throw fnError('dataUriToString', `the value '${uri.length > 100 ? uri.slice(0, 100) + '…' : uri}' is not a data URI.`);
  if (m[2]) return fromBase64(m[3]!, 'dataUriToString').toString('utf8');
  return unescapeDataString(m[3]!);
}

/** Strict base64 (Convert.FromBase64String): whitespace allowed, padding required, nothing else. */
function fromBase64(s: string, fn: string): Buffer {
  const t = s.replace(/[\t\n\r ]/g, '');
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) {
    throw fnError(fn, `the input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.`);
  }
  return Buffer.from(t, 'base64');
}

const str = (name: string, min: number, max: number, impl: (s: string[]) => unknown): ArmFunction => ({
  name,
  min,
  max,
  impl: (args) => impl(args.map((a, i) => expectString(a, name, i + 1))),
});

/**
 * `like(input, pattern)`: whether the whole input matches the pattern, where `*` stands for any run of characters
 * (none included) and every other character for itself, compared case-insensitively. Bicep's function catalogue
 * (Azure/bicep SystemNamespaceType, "like": "Performs pattern based matching and returns true if input string matches
 * the pattern and supports '*' as a wildcard. The comparison is case-insensitive."; Azure/bicep#18263 `like('OneTwoThree',
 * 'Two*')` is false) and ARM evaluates it; an end-anchored segment that also occurs earlier still matches
 * (Azure/bicep#19885, fixed in ARM).
 */
function like(input: string, pattern: string): boolean {
  const s = input.toLowerCase();
  const parts = pattern.toLowerCase().split('*');
  if (parts.length === 1) return s === parts[0];
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const end = s.length - last.length;
  if (!s.startsWith(first) || end < first.length || !s.endsWith(last)) return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    if (part === '') continue;
    const i = s.indexOf(part, at);
    if (i < 0 || i + part.length > end) return false;
    at = i + part.length;
  }
  return true;
}

/** Unpaired UTF-16 surrogates (`last()` of an astral character yields one). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * RFC 3986 percent-encoding of everything but unreserved characters, uppercase hex (.NET EscapeDataString).
 * An unpaired surrogate is encoded as U+FFFD (`%EF%BF%BD`), as .NET's UTF-8 encoding replaces it (docs/differences.md).
 */
export function escapeDataString(s: string): string {
  return encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD')).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export const stringFunctions: ArmFunction[] = [
  {
    name: 'concat',
    min: 0,
    impl: (args) => {
      if (args.length > 0 && args.every((a) => Array.isArray(a) || a === null)) {
        const arrays = args.map((a) => (a === null ? [] : (a as unknown[])));
        checkCollectionLength(arrays.reduce((n, a) => n + a.length, 0), 'concat');
        const out: unknown[] = [];
        for (const a of arrays) for (const x of a) out.push(x);
        return out;
      }
      const parts = args.map((a, i) => {
        if (Array.isArray(a) || isObject(a)) {
          throw armError('ERR_ARM_FUNCTION_ARGUMENTS', `The template language function 'concat' expects its parameters to be either all arrays or all primitive values (strings, integers, booleans). Parameter ${i + 1} is of type '${typeName(a)}'.`);
        }
        return toArmString(a);
      });
      return joinChecked(parts, '', 'concat');
    },
  },
  { name: 'format', min: 1, impl: (args) => dotnetFormat(expectString(args[0], 'format', 1), args.slice(1)) },
  str('toLower', 1, 1, ([s]) => s!.toLowerCase()),
  str('toUpper', 1, 1, ([s]) => s!.toUpperCase()),
  str('trim', 1, 1, ([s]) => s!.trim()),
  str('replace', 3, 3, ([s, a, b]) => {
    if (a === '') return s;
    const parts = s!.split(a!);
    return joinChecked(parts, b!, 'replace');
  }),
  str('startsWith', 2, 2, ([s, p]) => s!.toLowerCase().startsWith(p!.toLowerCase())),
  str('endsWith', 2, 2, ([s, p]) => s!.toLowerCase().endsWith(p!.toLowerCase())),
  str('like', 2, 2, ([s, p]) => like(s!, p!)),
  str('base64', 1, 1, ([s]) => {
    checkStringLength(Math.ceil(Buffer.byteLength(s!, 'utf8') / 3) * 4, 'base64');
    return Buffer.from(s!, 'utf8').toString('base64');
  }),
  str('base64ToString', 1, 1, ([s]) => fromBase64(s!, 'base64ToString').toString('utf8')),
  str('base64ToJson', 1, 1, ([s]) => parseJsonText(fromBase64(s!, 'base64ToJson').toString('utf8'), 'base64ToJson')),
  str('dataUriToString', 1, 1, ([s]) => dataUriToString(s!)),
  str('uriComponent', 1, 1, ([s]) => {
    checkStringLength(Buffer.byteLength(s!, 'utf8') * 3, 'uriComponent');
    return escapeDataString(s!);
  }),
  str('uriComponentToString', 1, 1, ([s]) => unescapeDataString(s!)),
  str('dataUri', 1, 1, ([s]) => {
    checkStringLength(Math.ceil(Buffer.byteLength(s!, 'utf8') / 3) * 4 + 40, 'dataUri');
    return `data:text/plain;charset=utf8;base64,${Buffer.from(s!, 'utf8').toString('base64')}`;
  }),
  str('uniqueString', 1, Infinity, (s) => uniqueString(s)),
  str('guid', 1, Infinity, (s) => armGuid(s)),
  str('uri', 2, 2, ([base, rel]) => {
    try {
      return new URL(rel!, base!).toString();
    } catch {
      throw fnError('uri', `the base URI '${base}' is not an absolute URI.`);
    }
  }),
  {
    name: 'split',
    min: 2,
    max: 2,
    impl: ([s, d]) => {
      const text = expectString(s, 'split', 1);
      const delims = (Array.isArray(d) ? d.map((x, i) => expectString(x, 'split', i + 2)) : [expectString(d, 'split', 2)]).filter((x) => x !== '');
      // .NET String.Split(string[]): at each position the first separator (in array order) that matches splits.
      const parts: string[] = [];
      let from = 0;
      let i = 0;
      const only = delims.length === 1 ? delims[0]! : undefined;
      while (i < text.length && delims.length > 0) {
        if (only !== undefined) {
          const at = text.indexOf(only, i);
          if (at < 0) break;
          i = at;
        }
        const hit = only ?? delims.find((x) => text.startsWith(x, i));
        if (hit === undefined) {
          i++;
          continue;
        }
        parts.push(text.slice(from, i));
        if (parts.length >= ARM_LIMITS.maxCollectionLength) checkCollectionLength(parts.length + 1, 'split');
        i += hit.length;
        from = i;
      }
      parts.push(text.slice(from));
      return parts;
    },
  },
  {
    name: 'substring',
    min: 1,
    max: 3,
    impl: ([s, start, len]) => {
      const text = expectString(s, 'substring', 1);
      const from = start === undefined ? 0 : expectInt(start, 'substring', 2);
      const count = len === undefined ? text.length - from : expectInt(len, 'substring', 3);
      if (from < 0 || from > text.length || count < 0 || from + count > text.length) {
        throw fnError('substring', `The index and length parameters must refer to a location within the string. The index parameter: '${from}', the length parameter: '${count}', the length of the string parameter: '${text.length}'.`);
      }
      return text.substr(from, count);
    },
  },
  {
    name: 'indexOf',
    min: 2,
    max: 2,
    // Arrays: deep equality, strings case-sensitive (Learn: `indexOf(collection, numbers)` is 1); strings: case-insensitive.
    impl: ([a, b]) => (Array.isArray(a) ? a.findIndex((x) => deepEquals(x, b)) : expectString(a, 'indexOf', 1).toLowerCase().indexOf(expectString(b, 'indexOf', 2).toLowerCase())),
  },
  {
    name: 'lastIndexOf',
    min: 2,
    max: 2,
    impl: ([a, b]) => {
      if (Array.isArray(a)) {
        for (let i = a.length - 1; i >= 0; i--) if (deepEquals(a[i], b)) return i;
        return -1;
      }
      return expectString(a, 'lastIndexOf', 1).toLowerCase().lastIndexOf(expectString(b, 'lastIndexOf', 2).toLowerCase());
    },
  },
  {
    name: 'padLeft',
    min: 2,
    max: 3,
    impl: ([v, len, ch]) => {
      const pad = ch === undefined ? ' ' : expectString(ch, 'padLeft', 3);
      if (pad.length !== 1) throw fnError('padLeft', 'the padding character must be a single character.');
      const total = expectInt(len, 'padLeft', 2);
      checkStringLength(total, 'padLeft');
      return toArmStringChecked(v, 'padLeft').padStart(total, pad);
    },
  },
  {
    name: 'join',
    min: 2,
    max: 2,
    impl: ([arr, d]) => {
      if (!Array.isArray(arr)) throw fnError('join', `the first parameter must be an array, not '${typeName(arr)}'.`);
      return joinChecked(arr.map((x) => toArmStringChecked(x, 'join')), expectString(d, 'join', 2), 'join');
    },
  },
  { name: 'string', min: 1, max: 1, impl: ([v]) => toArmStringChecked(v, 'string') },
];

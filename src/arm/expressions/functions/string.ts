import { armError } from '../../errors.js';
import type { ArmFunction } from '../context.js';
import { armGuid, uniqueString } from '../hash.js';
import { expectInt, expectString, fnError, isObject, toArmString, typeName } from '../values.js';
import { dotnetFormat } from './format.js';

const str = (name: string, min: number, max: number, impl: (s: string[]) => unknown): ArmFunction => ({
  name,
  min,
  max,
  impl: (args) => impl(args.map((a, i) => expectString(a, name, i + 1))),
});

/** RFC 3986 percent-encoding of everything but unreserved characters, uppercase hex (.NET EscapeDataString). */
export function escapeDataString(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export const stringFunctions: ArmFunction[] = [
  {
    name: 'concat',
    min: 0,
    impl: (args) => {
      if (args.length > 0 && args.every((a) => Array.isArray(a) || a === null)) return args.flatMap((a) => (a === null ? [] : (a as unknown[])));
      return args
        .map((a, i) => {
          if (Array.isArray(a) || isObject(a)) {
            throw armError('ERR_ARM_FUNCTION_ARGUMENTS', `The template language function 'concat' expects its parameters to be either all arrays or all primitive values (strings, integers, booleans). Parameter ${i + 1} is of type '${typeName(a)}'.`);
          }
          return toArmString(a);
        })
        .join('');
    },
  },
  { name: 'format', min: 1, impl: (args) => dotnetFormat(expectString(args[0], 'format', 1), args.slice(1)) },
  str('toLower', 1, 1, ([s]) => s!.toLowerCase()),
  str('toUpper', 1, 1, ([s]) => s!.toUpperCase()),
  str('trim', 1, 1, ([s]) => s!.trim()),
  str('replace', 3, 3, ([s, a, b]) => (a === '' ? s : s!.split(a!).join(b))),
  str('startsWith', 2, 2, ([s, p]) => s!.toLowerCase().startsWith(p!.toLowerCase())),
  str('endsWith', 2, 2, ([s, p]) => s!.toLowerCase().endsWith(p!.toLowerCase())),
  str('base64', 1, 1, ([s]) => Buffer.from(s!, 'utf8').toString('base64')),
  str('base64ToString', 1, 1, ([s]) => Buffer.from(s!, 'base64').toString('utf8')),
  str('uriComponent', 1, 1, ([s]) => escapeDataString(s!)),
  str('uriComponentToString', 1, 1, ([s]) => decodeURIComponent(s!)),
  str('dataUri', 1, 1, ([s]) => `data:text/plain;charset=utf8;base64,${Buffer.from(s!, 'utf8').toString('base64')}`),
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
      const delims = Array.isArray(d) ? d.map((x, i) => expectString(x, 'split', i + 2)) : [expectString(d, 'split', 2)];
      let parts = [text];
      for (const delim of delims) if (delim !== '') parts = parts.flatMap((p) => p.split(delim));
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
    impl: ([a, b]) => (Array.isArray(a) ? a.findIndex((x) => x === b) : expectString(a, 'indexOf', 1).toLowerCase().indexOf(expectString(b, 'indexOf', 2).toLowerCase())),
  },
  {
    name: 'lastIndexOf',
    min: 2,
    max: 2,
    impl: ([a, b]) => {
      if (Array.isArray(a)) {
        for (let i = a.length - 1; i >= 0; i--) if (a[i] === b) return i;
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
      return toArmString(v).padStart(expectInt(len, 'padLeft', 2), pad);
    },
  },
  {
    name: 'join',
    min: 2,
    max: 2,
    impl: ([arr, d]) => {
      if (!Array.isArray(arr)) throw fnError('join', `the first parameter must be an array, not '${typeName(arr)}'.`);
      return arr.map((x) => toArmString(x)).join(expectString(d, 'join', 2));
    },
  },
  { name: 'string', min: 1, max: 1, impl: ([v]) => toArmString(v) },
];

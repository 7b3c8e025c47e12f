import { ARM_LIMITS, limitError } from './limits.js';
import { fnError, normInt, setProp } from './values.js';
import type { JsonObject } from './values.js';

/**
 * JSON text as ARM's `json()` and `base64ToJson()` read it (Newtonsoft.Json is lenient): strings in
 * single or double quotes, unquoted property names, comments, trailing commas; integers are 64-bit
 * (bigint beyond 2^53). Nesting is limited to ARM_LIMITS.maxJsonDepth.
 */
export function parseJsonText(text: string, fn: string): unknown {
  let i = 0;
  const n = text.length;
  const fail = (what: string): Error => fnError(fn, `the value is not valid JSON: ${what} at position ${i}.`);
  const ws = () => {
    for (;;) {
      while (i < n && /\s/.test(text[i]!)) i++;
      if (text.startsWith('//', i)) {
        while (i < n && text[i] !== '\n') i++;
      } else if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) throw fail('an unterminated comment');
        i = end + 2;
      } else return;
    }
  };
  const str = (): string => {
    const q = text[i]!;
    i++;
    let out = '';
    for (;;) {
      if (i >= n) throw fail('an unterminated string');
      const c = text[i]!;
      if (c === q) {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const map: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw fail('a bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && map[e] !== undefined) {
          out += map[e];
          i += 2;
        } else throw fail('a bad escape');
        continue;
      }
      out += c;
      i++;
    }
  };
  const value = (depth: number): unknown => {
    if (depth > ARM_LIMITS.maxJsonDepth) {
      throw limitError(`The template language function '${fn}' would build a value nested more than ${ARM_LIMITS.maxJsonDepth} levels deep (docs/limits.md).`, 'maxJsonDepth');
    }
    ws();
    const c = text[i];
    if (c === undefined) throw fail('the end of the text');
    if (c === '{') {
      i++;
      const out: JsonObject = {};
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return out;
        }
        let key: string;
        if (text[i] === '"' || text[i] === "'") key = str();
        else {
          const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(text.slice(i, i + 256));
          if (!m) throw fail('a property name');
          key = m[0];
          i += key.length;
        }
        ws();
        if (text[i] !== ':') throw fail("':'");
        i++;
        setProp(out, key, value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') throw fail("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      for (;;) {
        ws();
        if (text[i] === ']') {
          i++;
          return out;
        }
        out.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') throw fail("',' or ']'");
      }
    }
    if (c === '"' || c === "'") return str();
    // Newtonsoft starts a number at a digit, '-' or '.', and reads it with .NET's double parser, which takes a
    // fraction without its integer part or digits (`.25`, `-.5`, `5.`): Bicep-compiled quickstarts pass json('.25').
    const m = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m) {
      i += m[0].length;
      if (/^-?\d+$/.test(m[0])) {
        const big = BigInt(m[0]);
        return normInt(big);
      }
      return Number(m[0]);
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    throw fail(`the character '${c}'`);
  };
  const result = value(1);
  ws();
  if (i < n) throw fail('text after the value');
  return result;
}

import { armError } from '../../errors.js';
import { toFormatString } from '../values.js';
import { ARM_LIMITS, checkStringLength, jsonSizeUpTo } from '../limits.js';

function formatValue(v: unknown): string {
  if (v !== null && typeof v === 'object') checkStringLength(jsonSizeUpTo(v, ARM_LIMITS.maxStringLength), 'format');
  return toFormatString(v);
}

const bad = (template: string, why: string): Error =>
  armError('ERR_ARM_FUNCTION_ARGUMENTS', `Unable to evaluate template language function 'format': the format string '${template}' is not valid: ${why}.`);

/** Group an unsigned digit string by thousands (en-US / invariant: ','). */
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Exact decimal text of a finite number with `decimals` fraction digits (no exponent). */
function fixed(v: number | bigint, decimals: number): string {
  if (typeof v === 'bigint') return decimals > 0 ? `${v}.${'0'.repeat(decimals)}` : `${v}`;
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 53) return decimals > 0 ? `${v}.${'0'.repeat(decimals)}` : `${v}`;
  const text = v.toFixed(Math.min(decimals, 100));
  return decimals > 100 ? text + '0'.repeat(decimals - 100) : text;
}

/**
 * .NET standard numeric format strings for the twin's numbers (Int64 and Double), invariant culture:
 * D, N, F, X, G, E, P and custom formats made of 0 # , . only. Precision is at most 99 (the twin's limit:
 * .NET allows more, no template needs it).
 */
function formatNumber(v: number | bigint, spec: string, template: string): string {
  const m = /^([A-Za-z])(\d*)$/.exec(spec);
  if (!m) return customFormat(v, spec, template);
  const kind = m[1]!;
  if (m[2]!.length > 2) throw bad(template, `the precision in '${spec}' is larger than the twin's limit of 99`);
  const digits = m[2] === '' ? undefined : Number(m[2]);
  const isInt = typeof v === 'bigint' || Number.isInteger(v);
  const negative = typeof v === 'bigint' ? v < 0n : v < 0;
  const abs = typeof v === 'bigint' ? (negative ? -v : v) : Math.abs(v);
  const sign = negative ? '-' : '';
  switch (kind.toUpperCase()) {
    case 'N': {
      const [int, frac] = fixed(abs, digits ?? 2).split('.');
      return sign + group(int!) + (frac ? '.' + frac : '');
    }
    case 'F':
      return sign + fixed(abs, digits ?? 2);
    case 'D':
      if (!isInt) throw bad(template, `the format '${spec}' is only valid for integral types`);
      return sign + fixed(abs, 0).padStart(digits ?? 0, '0');
    case 'X': {
      if (!isInt) throw bad(template, `the format '${spec}' is only valid for integral types`);
      const big = BigInt(v);
      const s = (big < 0n ? (1n << 64n) + big : big).toString(16).padStart(digits ?? 0, '0');
      return kind === 'X' ? s.toUpperCase() : s;
    }
    case 'P': {
      const [int, frac] = fixed(typeof abs === 'bigint' ? abs * 100n : abs * 100, digits ?? 2).split('.');
      return sign + group(int!) + (frac ? '.' + frac : '') + ' %';
    }
    case 'G':
      if (digits === undefined || digits === 0) return sign + (typeof abs === 'bigint' ? abs.toString() : String(abs).replace('e+', 'E+').replace('e-', 'E-'));
      return sign + Number(abs).toPrecision(Math.min(digits, 100)).replace(/\.?0+$/, (t) => (t.includes('.') ? '' : t));
    case 'E': {
      const [mant, exp] = Number(abs).toExponential(Math.min(digits ?? 6, 100)).split('e');
      const e = Number(exp);
      const text = `${mant}${kind}${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(3, '0')}`;
      return sign + text;
    }
    default:
      throw bad(template, `the format specifier '${spec}' is not supported`);
  }
}

/** Custom numeric formats built from `0`, `#`, `,` and `.` (e.g. `000`, `#,##0.00`). */
function customFormat(v: number | bigint, spec: string, template: string): string {
  if (!/^[0#,.]+$/.test(spec) || (spec.match(/\./g)?.length ?? 0) > 1 || spec.length > 100) {
    throw bad(template, `the custom format '${spec}' is not supported by the twin (only 0 # , . are)`);
  }
  const [intSpec, fracSpec = ''] = spec.split('.');
  const decimals = fracSpec.length;
  const negative = typeof v === 'bigint' ? v < 0n : v < 0;
  const abs = typeof v === 'bigint' ? (negative ? -v : v) : Math.abs(v);
  let [int, frac = ''] = fixed(abs, decimals).split('.');
  const minInt = (intSpec!.match(/0/g) ?? []).length;
  int = int!.replace(/^0+(?=\d)/, '');
  if (int === '0' && minInt === 0) int = '';
  int = int.padStart(minInt, '0');
  if (intSpec!.includes(',')) int = group(int);
  const minFrac = fracSpec.lastIndexOf('0') + 1;
  frac = frac.replace(/0+$/, '').padEnd(minFrac, '0');
  const text = int + (frac ? '.' + frac : '');
  return (negative && /[1-9]/.test(text) ? '-' : '') + (text === '' ? '' : text);
}

/** .NET composite formatting: `{index[,alignment][:format]}`, `{{` and `}}` escapes. */
export function dotnetFormat(template: string, args: unknown[]): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if (ch === '{') {
      if (template[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      const close = template.indexOf('}', i);
      if (close < 0) throw bad(template, `'{' at position ${i} is not closed`);
      const m = /^\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::(.*))?$/.exec(template.slice(i + 1, close));
      if (!m) throw bad(template, `the item '{${template.slice(i + 1, close)}}' is not '{index[,alignment][:format]}'`);
      const index = Number(m[1]);
      if (index >= args.length) {
        throw armError('ERR_ARM_FUNCTION_ARGUMENTS', `Unable to evaluate template language function 'format': index (zero based) ${index} must be less than the size of the argument list (${args.length}).`);
      }
      const value = args[index];
      let s = (typeof value === 'number' || typeof value === 'bigint') && m[3] ? formatNumber(value, m[3], template) : formatValue(value);
      if (m[2]) {
        const width = Number(m[2]);
        if (Math.abs(width) >= 1_000_000) throw bad(template, `the alignment ${width} is out of range (.NET allows less than 1,000,000)`);
        s = width < 0 ? s.padEnd(-width) : s.padStart(width);
      }
      checkStringLength(out.length + s.length, 'format');
      out += s;
      i = close + 1;
      continue;
    }
    if (ch === '}') {
      if (template[i + 1] === '}') {
        out += '}';
        i += 2;
        continue;
      }
      throw bad(template, `'}' at position ${i} is not escaped`);
    }
    out += ch;
    i++;
  }
  return out;
}

/**
 * .NET formatting with the invariant culture: standard and custom numeric format strings (`N2`, `D4`, `X`, `0.00`,
 * `#,##0`), composite formatting (`string.Format("{0,5:N1}")`) and interpolation holes. Dates format themselves
 * (lib-datetime). Unsupported or invalid format strings throw FormatException, as .NET does.
 */
import type { Meter } from './meter.js';
import { formatDouble, formatError, isNetValue, toDotNetString, type Value } from './values.js';

/** Highest precision specifier accepted (`N999`); .NET accepts up to 999,999,999, the twin bounds the output. */
const MAX_PRECISION = 1000;

function groupDigits(int: string): string {
  let out = '';
  for (let i = 0; i < int.length; i++) {
    if (i > 0 && (int.length - i) % 3 === 0) out += ',';
    out += int[i];
  }
  return out;
}

/** `toFixed` for any precision (JavaScript stops at 100; further digits of a double's exact expansion are zeros here). */
function fixed(n: number, digits: number): string {
  if (digits <= 100) return n.toFixed(digits);
  return n.toFixed(100) + '0'.repeat(digits - 100);
}

function exponential(n: number, digits: number, e: string, minExp: number): string {
  const [m, x] = n.toExponential(Math.min(digits, 100)).split('e') as [string, string];
  const exp = Number(x);
  const abs = String(Math.abs(exp)).padStart(minExp, '0');
  return `${m}${e}${exp < 0 ? '-' : '+'}${abs}`;
}

function general(n: number, precision: number | undefined, e: string): string {
  if (precision === undefined || precision === 0) return formatDouble(n).replace('E', e);
  if (Number.isInteger(n) && Math.abs(n) < 10 ** precision) return String(n);
  const [m, x] = n.toExponential(Math.min(precision - 1, 100)).split('e') as [string, string];
  const exp = Number(x);
  if (exp > -5 && exp < precision) {
    const s = n.toPrecision(Math.min(precision, 100));
    return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  }
  const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
  return `${mant}${e}${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** A standard numeric format (`N2`) or a custom one (`0.00`). */
export function formatNumber(n: number, format: string, integral = Number.isInteger(n)): string {
  if (format === '') return integral ? String(n) : formatDouble(n);
  const m = /^([A-Za-z])(\d*)$/.exec(format);
  if (!m) return customNumber(n, format);
  const spec = m[1]!;
  const precision = m[2] === '' ? undefined : Number(m[2]);
  if (precision !== undefined && precision > MAX_PRECISION) throw formatError(`Format specifier '${format}' was invalid (the twin accepts a precision up to ${MAX_PRECISION}).`);
  if (!Number.isFinite(n)) return formatDouble(n);
  const neg = n < 0 || Object.is(n, -0);
  switch (spec) {
    case 'D': case 'd': {
      if (!integral) throw formatError('Format specifier was invalid.');
      const digits = String(Math.abs(n)).padStart(precision ?? 0, '0');
      return (n < 0 ? '-' : '') + digits;
    }
    case 'X': case 'x': {
      if (!integral) throw formatError('Format specifier was invalid.');
      const v = n < 0 ? (n < -2147483648 ? BigInt.asUintN(64, BigInt(n)) : BigInt(n >>> 0)) : BigInt(n);
      const s = v.toString(16).padStart(precision ?? 0, '0');
      return spec === 'X' ? s.toUpperCase() : s;
    }
    case 'F': case 'f': return fixed(n, precision ?? 2);
    case 'N': case 'n': {
      const s = fixed(Math.abs(n), precision ?? 2);
      const [int, frac] = s.split('.') as [string, string | undefined];
      const body = groupDigits(int) + (frac !== undefined ? '.' + frac : '');
      return (neg && /[1-9]/.test(s) ? '-' : '') + body;
    }
    case 'P': case 'p': {
      const s = fixed(Math.abs(n * 100), precision ?? 2);
      const [int, frac] = s.split('.') as [string, string | undefined];
      return (neg && /[1-9]/.test(s) ? '-' : '') + groupDigits(int) + (frac !== undefined ? '.' + frac : '') + ' %';
    }
    case 'C': case 'c': {
      const s = fixed(Math.abs(n), precision ?? 2);
      const [int, frac] = s.split('.') as [string, string | undefined];
      const body = '¤' + groupDigits(int) + (frac !== undefined ? '.' + frac : '');
      return neg && /[1-9]/.test(s) ? `(${body})` : body;
    }
    case 'E': case 'e': return exponential(n, precision ?? 6, spec, 3);
    case 'G': case 'g': return general(n, precision, spec === 'G' ? 'E' : 'e');
    case 'R': case 'r': return formatDouble(n);
    default: throw formatError(`Format specifier '${format}' was invalid.`);
  }
}

/** Custom numeric format strings: `0`, `#`, `.`, `,` (grouping and scaling), `%`, literals, `;` sections. */
function customNumber(n: number, format: string): string {
  const sections = splitSections(format);
  let fmt = sections[0]!;
  let value = n;
  if (n < 0 && sections.length > 1 && sections[1] !== '') { fmt = sections[1]!; value = -n; }
  else if (n === 0 && sections.length > 2) fmt = sections[2]!;
  const negative = value < 0 && !(n < 0 && sections.length > 1 && sections[1] !== '');
  value = Math.abs(value);
  // scan the format
  let intPlaces = 0; let intZeros = 0; let fracZeros = 0; let fracPlaces = 0; let grouping = false; let seenDot = false; let percent = 0;
  let scale = 0; let firstZero = -1;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c === '\\') { i++; continue; }
    if (c === '"' || c === "'") { const j = fmt.indexOf(c, i + 1); i = j < 0 ? fmt.length : j; continue; }
    if (c === '0' || c === '#') {
      if (seenDot) { fracPlaces++; if (c === '0') fracZeros = fracPlaces; } else { intPlaces++; if (c === '0') { intZeros++; if (firstZero < 0) firstZero = intPlaces; } }
      scale = 0;
    } else if (c === '.') { seenDot = true; } else if (c === ',') {
      if (!seenDot) { if (intPlaces > 0 && /[0#]/.test(fmt.slice(i + 1).split('.')[0] ?? '')) grouping = true; else scale++; }
    } else if (c === '%') percent++;
  }
  value = value * 100 ** percent / 1000 ** scale;
  const minInt = firstZero < 0 ? 0 : intPlaces - firstZero + 1;
  let text = fixed(value, fracPlaces);
  let [int, frac = ''] = text.split('.') as [string, string?];
  frac = frac.replace(/0+$/, '');
  if (frac.length < fracZeros) frac = frac.padEnd(fracZeros, '0');
  if (int === '0' && minInt === 0) int = '';
  int = int.padStart(minInt, '0');
  if (grouping) int = groupDigits(int);
  // lay the digits into the pattern
  let out = '';
  let intDone = false;
  let fracIdx = 0;
  seenDot = false;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c === '\\') { out += fmt[i + 1] ?? ''; i++; continue; }
    if (c === '"' || c === "'") { const j = fmt.indexOf(c, i + 1); out += fmt.slice(i + 1, j < 0 ? fmt.length : j); i = j < 0 ? fmt.length : j; continue; }
    if (c === '0' || c === '#') {
      if (!seenDot) { if (!intDone) { out += int; intDone = true; } } else { if (fracIdx < frac.length) out += frac[fracIdx]; fracIdx++; }
    } else if (c === '.') { seenDot = true; if (!intDone) { out += int; intDone = true; } if (frac.length) out += '.'; } else if (c === ',') { /* grouping/scaling */ } else out += c;
  }
  text = out;
  return (negative && /[1-9]/.test(text) ? '-' : '') + text;
}

function splitSections(format: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '\\') { cur += c + (format[i + 1] ?? ''); i++; continue; }
    if (c === '"' || c === "'") { const j = format.indexOf(c, i + 1); cur += format.slice(i, j < 0 ? format.length : j + 1); i = j < 0 ? format.length : j; continue; }
    if (c === ';') { out.push(cur); cur = ''; continue; }
    cur += c;
  }
  out.push(cur);
  return out;
}

/** `value.ToString(format)` for any value (numbers, value types with formats, else ToString()). */
export function formatValue(v: Value, format: string | undefined): string {
  if (format === undefined || format === '') return toDotNetString(v);
  if (typeof v === 'number') return formatNumber(v, format);
  if (isNetValue(v)) return v.netString(format);
  return toDotNetString(v);
}

/** Apply an alignment (`{x,5}` right-aligns, `{x,-5}` left-aligns). */
export function align(text: string, width: number | undefined, meter?: Meter): string {
  if (width === undefined || Math.abs(width) <= text.length) return text;
  meter?.string(Math.abs(width));
  return width > 0 ? text.padStart(width) : text.padEnd(-width);
}

/** Composite formatting: `string.Format("{0} {1,5:N2} {{x}}", args)`. */
export function compositeFormat(format: string, args: readonly Value[], meter: Meter): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c === '{') {
      if (format[i + 1] === '{') { out += '{'; i += 2; continue; }
      const end = format.indexOf('}', i);
      if (end < 0) throw formatError();
      const m = /^\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::(.*))?$/s.exec(format.slice(i + 1, end));
      if (!m) throw formatError();
      const index = Number(m[1]);
      if (index >= args.length) throw formatError('Index (zero based) must be greater than or equal to zero and less than the size of the argument list.');
      const width = m[2] === undefined ? undefined : Number(m[2]);
      if (width !== undefined && Math.abs(width) > meter.limits.maxStringLength) meter.string(Math.abs(width));
      out += align(formatValue(args[index]!, m[3]), width, meter);
      meter.string(out.length);
      i = end + 1;
      continue;
    }
    if (c === '}') {
      if (format[i + 1] === '}') { out += '}'; i += 2; continue; }
      throw formatError();
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * System.DateTime, DateTimeOffset and TimeSpan. Times are milliseconds (fractions allowed, so ticks keep about 0.1 µs);
 * the gateway's local time zone is UTC (managed gateways run in UTC). `DateTime.ToString()` without a format uses the
 * en-US "G" pattern (`1/15/2026 3:04:05 PM`): docs/differences.md.
 */
import { argOutOfRange, EnumValue, formatError, requireInt, requireNumber, requireString, type NetValue, type Value } from './values.js';
import { HOST_CONVERSIONS } from './types.js';
import { HOST_ARITHMETIC, HOST_COMPARE } from './operators.js';
import { tryParse, type Env, type StaticTable, type TypeTable } from './member-types.js';

export const TICKS_PER_MS = 10_000;
/** Milliseconds from 0001-01-01 to 1970-01-01. */
const EPOCH_OFFSET_MS = 62135596800000;
const MIN_MS = -EPOCH_OFFSET_MS;
const MAX_MS = 253402300799999.9999;

export type DateKind = 'Unspecified' | 'Utc' | 'Local';

export class DateTimeV implements NetValue {
  readonly $type = 'DateTime';
  constructor(readonly ms: number, readonly kind: DateKind = 'Unspecified') {
    if (!(ms >= MIN_MS && ms <= MAX_MS)) throw argOutOfRange('The added or subtracted value results in an un-representable DateTime.');
  }
  netEquals(o: Value): boolean { return o instanceof DateTimeV && o.ms === this.ms; }
  netString(format?: string): string { return formatDate(this.ms, format, this.kind === 'Utc' ? 'Z' : this.kind === 'Local' ? '+00:00' : '', 0, this.kind === 'Utc'); }
}

export class DateTimeOffsetV implements NetValue {
  readonly $type = 'DateTimeOffset';
  /** `ms`: the UTC instant; `offset`: minutes east of UTC. */
  constructor(readonly ms: number, readonly offset = 0) {
    if (!(ms >= MIN_MS && ms <= MAX_MS)) throw argOutOfRange('The UTC time represented when the offset is applied must be between year 0 and 10,000.');
  }
  get local(): number { return this.ms + this.offset * 60000; }
  netEquals(o: Value): boolean { return o instanceof DateTimeOffsetV && o.ms === this.ms; }
  netString(format?: string): string {
    const f = format === undefined || format === '' ? 'G zzz' : format;
    return formatDate(this.local, f, offsetText(this.offset), this.offset, false);
  }
}

export class TimeSpanV implements NetValue {
  readonly $type = 'TimeSpan';
  constructor(readonly ms: number) {}
  netEquals(o: Value): boolean { return o instanceof TimeSpanV && o.ms === this.ms; }
  netString(format?: string): string { return formatTimeSpan(this.ms, format); }
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_OF_WEEK = Object.fromEntries(DAY_NAMES.map((d, i) => [d, i]));
export const dayOfWeek = (n: number): EnumValue => new EnumValue('DayOfWeek', n, DAY_OF_WEEK);
const DATE_KIND = { Unspecified: 0, Utc: 1, Local: 2 };

function offsetText(min: number): string {
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** en-US standard patterns (the default culture of the gateway, see the file comment). */
const STANDARD: Record<string, string> = {
  d: 'M/d/yyyy', D: 'dddd, MMMM d, yyyy', f: 'dddd, MMMM d, yyyy h:mm tt', F: 'dddd, MMMM d, yyyy h:mm:ss tt', g: 'M/d/yyyy h:mm tt',
  G: 'M/d/yyyy h:mm:ss tt', m: 'MMMM d', M: 'MMMM d', o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK", O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss", t: 'h:mm tt',
  T: 'h:mm:ss tt', u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'", U: 'dddd, MMMM d, yyyy h:mm:ss tt', y: 'MMMM yyyy', Y: 'MMMM yyyy',
};

/** Format wall-clock milliseconds with a .NET date format; `K` prints `kindText`. */
export function formatDate(ms: number, format: string | undefined, kindText: string, offsetMin: number, isUtc: boolean): string {
  let f = format === undefined || format === '' ? 'G' : format;
  let t = ms;
  if (f.length === 1) {
    const p = STANDARD[f];
    if (p === undefined) throw formatError('Input string was not in a correct format.');
    if (f === 'r' || f === 'R' || f === 'u') t = ms - offsetMin * 60000;
    if (f === 'o' || f === 'O') kindText = kindText === '' && !isUtc ? '' : kindText;
    f = p;
  }
  const d = new Date(Math.floor(t));
  const frac = t - Math.floor(t / 1000) * 1000; // ms within the second, with fraction
  const parts = {
    y: d.getUTCFullYear(), M: d.getUTCMonth() + 1, d: d.getUTCDate(), H: d.getUTCHours(), m: d.getUTCMinutes(), s: d.getUTCSeconds(), w: d.getUTCDay(),
  };
  let out = '';
  for (let i = 0; i < f.length;) {
    const c = f[i]!;
    let n = 1;
    while (f[i + n] === c) n++;
    switch (c) {
      case 'y': out += n === 1 ? String(parts.y % 100) : n === 2 ? String(parts.y % 100).padStart(2, '0') : String(parts.y).padStart(n, '0'); break;
      case 'M': out += n === 1 ? String(parts.M) : n === 2 ? String(parts.M).padStart(2, '0') : n === 3 ? MONTH_NAMES[parts.M - 1]!.slice(0, 3) : MONTH_NAMES[parts.M - 1]; break;
      case 'd': out += n === 1 ? String(parts.d) : n === 2 ? String(parts.d).padStart(2, '0') : n === 3 ? DAY_NAMES[parts.w]!.slice(0, 3) : DAY_NAMES[parts.w]; break;
      case 'H': out += n === 1 ? String(parts.H) : String(parts.H).padStart(2, '0'); break;
      case 'h': { const h = parts.H % 12 || 12; out += n === 1 ? String(h) : String(h).padStart(2, '0'); break; }
      case 'm': out += n === 1 ? String(parts.m) : String(parts.m).padStart(2, '0'); break;
      case 's': out += n === 1 ? String(parts.s) : String(parts.s).padStart(2, '0'); break;
      case 'f': case 'F': {
        if (n > 7) throw formatError();
        const digits = String(Math.floor(frac * TICKS_PER_MS)).padStart(7, '0').slice(0, n);
        out += c === 'F' ? digits.replace(/0+$/, '') : digits;
        if (c === 'F' && digits.replace(/0+$/, '') === '' && out.endsWith('.')) out = out.slice(0, -1);
        break;
      }
      case 't': out += n === 1 ? (parts.H < 12 ? 'A' : 'P') : parts.H < 12 ? 'AM' : 'PM'; break;
      case 'z': {
        const o = offsetMin;
        const h = Math.trunc(Math.abs(o) / 60);
        const sign = o < 0 ? '-' : '+';
        out += n === 1 ? `${sign}${h}` : n === 2 ? `${sign}${String(h).padStart(2, '0')}` : offsetText(o);
        break;
      }
      case 'K': out += kindText; break;
      case "'": case '"': {
        const j = f.indexOf(c, i + 1);
        out += f.slice(i + 1, j < 0 ? f.length : j);
        i = j < 0 ? f.length : j + 1;
        continue;
      }
      case '\\': out += f[i + 1] ?? ''; i += 2; continue;
      case '%': i += 1; continue;
      default: out += c.repeat(n);
    }
    i += n;
  }
  return out;
}

function formatTimeSpan(ms: number, format?: string): string {
  const neg = ms < 0;
  const a = Math.abs(ms);
  const days = Math.floor(a / 86400000);
  const h = Math.floor(a / 3600000) % 24;
  const m = Math.floor(a / 60000) % 60;
  const s = Math.floor(a / 1000) % 60;
  const ticks = Math.round((a % 1000) * TICKS_PER_MS);
  const two = (x: number) => String(x).padStart(2, '0');
  if (format === undefined || format === '' || format === 'c' || format === 't' || format === 'T') {
    return `${neg ? '-' : ''}${days ? days + '.' : ''}${two(h)}:${two(m)}:${two(s)}${ticks ? '.' + String(ticks).padStart(7, '0') : ''}`;
  }
  if (format === 'g') return `${neg ? '-' : ''}${days ? days + ':' : ''}${h}:${two(m)}:${two(s)}${ticks ? '.' + String(ticks).padStart(7, '0').replace(/0+$/, '') : ''}`;
  if (format === 'G') return `${neg ? '-' : ''}${days}:${two(h)}:${two(m)}:${two(s)}.${String(ticks).padStart(7, '0')}`;
  let out = '';
  for (let i = 0; i < format.length;) {
    const c = format[i]!;
    let n = 1;
    while (format[i + n] === c) n++;
    switch (c) {
      case 'd': out += String(days).padStart(n, '0'); break;
      case 'h': out += n === 1 ? String(h) : two(h); break;
      case 'm': out += n === 1 ? String(m) : two(m); break;
      case 's': out += n === 1 ? String(s) : two(s); break;
      case 'f': out += String(ticks).padStart(7, '0').slice(0, n); break;
      case 'F': out += String(ticks).padStart(7, '0').slice(0, n).replace(/0+$/, ''); break;
      case '\\': out += format[i + 1] ?? ''; i += 2; continue;
      case "'": { const j = format.indexOf("'", i + 1); out += format.slice(i + 1, j < 0 ? format.length : j); i = j < 0 ? format.length : j + 1; continue; }
      default: throw formatError();
    }
    i += n;
  }
  return out;
}

// ---- parsing -------------------------------------------------------------------------------------------------------

const MONTHS3 = MONTH_NAMES.map((m) => m.slice(0, 3).toLowerCase());

/** DateTime.Parse / DateTimeOffset.Parse for the common shapes (ISO 8601, RFC 1123, en-US). Returns ms + offset. */
export function parseDateText(text: string): { ms: number; offset: number | null } | null {
  const s = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (m) {
    const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
    if (Number.isNaN(base) || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return null;
    const frac = m[7] ? Number(m[7].padEnd(7, '0')) / TICKS_PER_MS : 0;
    return { ms: base + frac, offset: m[8] ? parseOffset(m[8]) : null };
  }
  m = /^(?:[a-z]{3},\s*)?(\d{1,2})\s+([a-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})\s*(GMT|UTC|Z)?$/i.exec(s);
  if (m) {
    const mon = MONTHS3.indexOf(m[2]!.toLowerCase());
    if (mon < 0) return null;
    return { ms: Date.UTC(Number(m[3]), mon, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])), offset: m[7] ? 0 : null };
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?)?$/i.exec(s);
  if (m) {
    let h = Number(m[4] ?? 0);
    if (m[7]) { if (h > 12) return null; h = (h % 12) + (m[7].toUpperCase() === 'PM' ? 12 : 0); }
    if (!validDate(Number(m[3]), Number(m[1]), Number(m[2]))) return null;
    return { ms: Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), h, Number(m[5] ?? 0), Number(m[6] ?? 0)), offset: null };
  }
  return null;
}

function validDate(y: number, mo: number, d: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && y >= 1 && y <= 9999;
}

function parseOffset(t: string): number {
  if (t.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(t)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(2000, m, 0)).getUTCDate() + (m === 2 && !isLeap(y) && isLeap(2000) ? -1 : 0);
}
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function dateFromParts(args: Value[]): DateTimeV {
  const n = args.map((a, i) => (a instanceof EnumValue ? a : requireInt(a, `arg${i}`)));
  const kindArg = n.find((x): x is EnumValue => x instanceof EnumValue);
  const nums = n.filter((x): x is number => typeof x === 'number');
  if (nums.length === 1) return new DateTimeV(nums[0]! / TICKS_PER_MS - EPOCH_OFFSET_MS, kindArg ? kindArg.name as DateKind : 'Unspecified');
  const [y, mo, d, h = 0, mi = 0, s = 0, ms = 0] = nums;
  if (y === undefined || mo === undefined || d === undefined || !validDate(y, mo, d) || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || ms < 0 || ms > 999) {
    throw argOutOfRange('Year, Month, and Day parameters describe an un-representable DateTime.');
  }
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, ms);
  return new DateTimeV(t.getTime(), kindArg ? kindArg.name as DateKind : 'Unspecified');
}

function timeSpanFromParts(args: Value[]): TimeSpanV {
  const n = args.map((a, i) => requireInt(a, `arg${i}`));
  if (n.length === 1) return new TimeSpanV(n[0]! / TICKS_PER_MS);
  if (n.length === 3) return new TimeSpanV(((n[0]! * 60 + n[1]!) * 60 + n[2]!) * 1000);
  const [d = 0, h = 0, m = 0, s = 0, ms = 0] = n;
  return new TimeSpanV((((d * 24 + h) * 60 + m) * 60 + s) * 1000 + ms);
}

// ---- member tables --------------------------------------------------------------------------------------------------

const dt = (v: Value) => v as DateTimeV;
const dto = (v: Value) => v as DateTimeOffsetV;
const ts = (v: Value) => v as TimeSpanV;

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  const target = new Date(ms);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const dim = daysInMonth(target.getUTCFullYear(), target.getUTCMonth() + 1);
  target.setUTCDate(Math.min(day, dim));
  return target.getTime() + (ms - Math.floor(ms));
}

/** `AddDays(x)`…: .NET rounds the added amount to whole milliseconds (ticks for AddTicks). */
const adder = (msPer: number) => (v: Value, [x]: Value[]) => {
  const n = requireNumber(x ?? null, 'value');
  const add = Math.round(n * msPer);
  return v instanceof DateTimeOffsetV ? new DateTimeOffsetV(v.ms + add, v.offset) : new DateTimeV(dt(v).ms + add, dt(v).kind);
};

function dateParts(get: (ms: number) => number) {
  return { type: 'Int32', get: (v: Value) => get(v instanceof DateTimeOffsetV ? v.local : dt(v).ms) };
}

const COMMON_DATE: TypeTable = {
  props: {
    Year: dateParts((ms) => new Date(ms).getUTCFullYear()),
    Month: dateParts((ms) => new Date(ms).getUTCMonth() + 1),
    Day: dateParts((ms) => new Date(ms).getUTCDate()),
    Hour: dateParts((ms) => new Date(ms).getUTCHours()),
    Minute: dateParts((ms) => new Date(ms).getUTCMinutes()),
    Second: dateParts((ms) => new Date(ms).getUTCSeconds()),
    Millisecond: dateParts((ms) => new Date(ms).getUTCMilliseconds()),
    DayOfYear: dateParts((ms) => Math.floor((Math.floor(ms / 86400000) * 86400000 - Date.UTC(new Date(ms).getUTCFullYear(), 0, 1)) / 86400000) + 1),
    DayOfWeek: { type: 'DayOfWeek', get: (v) => dayOfWeek(new Date(v instanceof DateTimeOffsetV ? v.local : dt(v).ms).getUTCDay()) },
    Ticks: { type: 'Int64', get: (v) => Math.round(((v instanceof DateTimeOffsetV ? v.local : dt(v).ms) + EPOCH_OFFSET_MS) * TICKS_PER_MS) },
    TimeOfDay: { type: 'TimeSpan', get: (v) => { const ms = v instanceof DateTimeOffsetV ? v.local : dt(v).ms; return new TimeSpanV(ms - Math.floor(ms / 86400000) * 86400000); } },
  },
  methods: {
    AddDays: { type: (_a, _b, t) => t, params: ['Double'], call: adder(86400000) },
    AddHours: { type: (_a, _b, t) => t, params: ['Double'], call: adder(3600000) },
    AddMinutes: { type: (_a, _b, t) => t, params: ['Double'], call: adder(60000) },
    AddSeconds: { type: (_a, _b, t) => t, params: ['Double'], call: adder(1000) },
    AddMilliseconds: { type: (_a, _b, t) => t, params: ['Double'], call: adder(1) },
    AddTicks: { type: (_a, _b, t) => t, params: ['Int64'], call: (v, [x]) => { const add = requireNumber(x ?? null, 'value') / TICKS_PER_MS; return v instanceof DateTimeOffsetV ? new DateTimeOffsetV(v.ms + add, v.offset) : new DateTimeV(dt(v).ms + add, dt(v).kind); } },
    AddMonths: { type: (_a, _b, t) => t, params: ['Int32'], call: (v, [x]) => { const n = requireInt(x ?? null, 'months'); return v instanceof DateTimeOffsetV ? new DateTimeOffsetV(addMonths(v.local, n) - v.offset * 60000, v.offset) : new DateTimeV(addMonths(dt(v).ms, n), dt(v).kind); } },
    AddYears: { type: (_a, _b, t) => t, params: ['Int32'], call: (v, [x]) => { const n = requireInt(x ?? null, 'years') * 12; return v instanceof DateTimeOffsetV ? new DateTimeOffsetV(addMonths(v.local, n) - v.offset * 60000, v.offset) : new DateTimeV(addMonths(dt(v).ms, n), dt(v).kind); } },
    Add: { type: (_a, _b, t) => t, call: (v, [x]) => { const add = (x as TimeSpanV).ms; if (!(x instanceof TimeSpanV)) throw argOutOfRange('value'); return v instanceof DateTimeOffsetV ? new DateTimeOffsetV(v.ms + add, v.offset) : new DateTimeV(dt(v).ms + add, dt(v).kind); } },
    Subtract: {
      type: (_a, argTypes, t) => (argTypes[0] === 'TimeSpan' ? t : argTypes[0] === t ? 'TimeSpan' : 'Object'),
      call: (v, [x]) => dateArithmetic('-', v, x ?? null) ?? (() => { throw argOutOfRange('value'); })(),
    },
    ToString: { type: 'String', call: (v, [f]) => (v as DateTimeV).netString(f === undefined || f === null ? undefined : requireString(f, 'format')) },
    Equals: { type: 'Boolean', call: (v, [o]) => (v as DateTimeV).netEquals(o ?? null) },
    CompareTo: { type: 'Int32', call: (v, [o]) => Math.sign(msOf(v) - msOf(o ?? null)) },
    GetHashCode: { type: 'Int32', call: (v) => Math.floor(msOf(v)) | 0 },
  },
};

function msOf(v: Value): number {
  if (v instanceof DateTimeV || v instanceof DateTimeOffsetV || v instanceof TimeSpanV) return v.ms;
  throw argOutOfRange('value');
}

export const DATETIME_TABLE: TypeTable = {
  props: {
    ...COMMON_DATE.props,
    Date: { type: 'DateTime', get: (v) => new DateTimeV(Math.floor(dt(v).ms / 86400000) * 86400000, dt(v).kind) },
    Kind: { type: 'DateTimeKind', get: (v) => new EnumValue('DateTimeKind', DATE_KIND[dt(v).kind], DATE_KIND) },
  },
  methods: {
    ...COMMON_DATE.methods,
    ToUniversalTime: { type: 'DateTime', call: (v) => new DateTimeV(dt(v).ms, 'Utc') },
    ToLocalTime: { type: 'DateTime', call: (v) => new DateTimeV(dt(v).ms, 'Local') },
    ToShortDateString: { type: 'String', call: (v) => dt(v).netString('d') },
    ToLongDateString: { type: 'String', call: (v) => dt(v).netString('D') },
    ToShortTimeString: { type: 'String', call: (v) => dt(v).netString('t') },
    ToLongTimeString: { type: 'String', call: (v) => dt(v).netString('T') },
    IsDaylightSavingTime: { type: 'Boolean', call: () => false },
  },
};

export const DATETIMEOFFSET_TABLE: TypeTable = {
  props: {
    ...COMMON_DATE.props,
    Offset: { type: 'TimeSpan', get: (v) => new TimeSpanV(dto(v).offset * 60000) },
    UtcDateTime: { type: 'DateTime', get: (v) => new DateTimeV(dto(v).ms, 'Utc') },
    DateTime: { type: 'DateTime', get: (v) => new DateTimeV(dto(v).local, 'Unspecified') },
    LocalDateTime: { type: 'DateTime', get: (v) => new DateTimeV(dto(v).ms, 'Local') },
    UtcTicks: { type: 'Int64', get: (v) => Math.round((dto(v).ms + EPOCH_OFFSET_MS) * TICKS_PER_MS) },
    Date: { type: 'DateTime', get: (v) => new DateTimeV(Math.floor(dto(v).local / 86400000) * 86400000) },
  },
  methods: {
    ...COMMON_DATE.methods,
    ToUnixTimeSeconds: { type: 'Int64', call: (v) => Math.floor(dto(v).ms / 1000) },
    ToUnixTimeMilliseconds: { type: 'Int64', call: (v) => Math.floor(dto(v).ms) },
    ToUniversalTime: { type: 'DateTimeOffset', call: (v) => new DateTimeOffsetV(dto(v).ms, 0) },
    ToOffset: { type: 'DateTimeOffset', call: (v, [o]) => new DateTimeOffsetV(dto(v).ms, Math.round(ts(o ?? null).ms / 60000)) },
  },
};

export const TIMESPAN_TABLE: TypeTable = {
  props: {
    Days: { type: 'Int32', get: (v) => Math.trunc(ts(v).ms / 86400000) },
    Hours: { type: 'Int32', get: (v) => Math.trunc(ts(v).ms / 3600000) % 24 },
    Minutes: { type: 'Int32', get: (v) => Math.trunc(ts(v).ms / 60000) % 60 },
    Seconds: { type: 'Int32', get: (v) => Math.trunc(ts(v).ms / 1000) % 60 },
    Milliseconds: { type: 'Int32', get: (v) => Math.trunc(ts(v).ms) % 1000 },
    Ticks: { type: 'Int64', get: (v) => Math.round(ts(v).ms * TICKS_PER_MS) },
    TotalDays: { type: 'Double', get: (v) => ts(v).ms / 86400000 },
    TotalHours: { type: 'Double', get: (v) => ts(v).ms / 3600000 },
    TotalMinutes: { type: 'Double', get: (v) => ts(v).ms / 60000 },
    TotalSeconds: { type: 'Double', get: (v) => ts(v).ms / 1000 },
    TotalMilliseconds: { type: 'Double', get: (v) => ts(v).ms },
  },
  methods: {
    Add: { type: 'TimeSpan', call: (v, [o]) => new TimeSpanV(ts(v).ms + msOf(o ?? null)) },
    Subtract: { type: 'TimeSpan', call: (v, [o]) => new TimeSpanV(ts(v).ms - msOf(o ?? null)) },
    Negate: { type: 'TimeSpan', call: (v) => new TimeSpanV(-ts(v).ms) },
    Duration: { type: 'TimeSpan', call: (v) => new TimeSpanV(Math.abs(ts(v).ms)) },
    ToString: { type: 'String', call: (v, [f]) => ts(v).netString(f === undefined || f === null ? undefined : requireString(f, 'format')) },
    Equals: { type: 'Boolean', call: (v, [o]) => ts(v).netEquals(o ?? null) },
    CompareTo: { type: 'Int32', call: (v, [o]) => Math.sign(ts(v).ms - msOf(o ?? null)) },
  },
};

function nowMs(env: Env): number {
  return env.ctx.clock.now();
}

function parseDate(s: Value | undefined): DateTimeV {
  const r = parseDateText(requireString(s ?? null, 's'));
  if (!r) throw formatError(`String '${String(s)}' was not recognized as a valid DateTime.`);
  return r.offset === null ? new DateTimeV(r.ms) : new DateTimeV(r.ms - r.offset * 60000, 'Local');
}

function parseOffsetDate(s: Value | undefined): DateTimeOffsetV {
  const r = parseDateText(requireString(s ?? null, 'input'));
  if (!r) throw formatError(`String '${String(s)}' was not recognized as a valid DateTime.`);
  const off = r.offset ?? 0;
  return new DateTimeOffsetV(r.ms - off * 60000, off);
}


/** `DateTime.ParseExact(s, format, provider)` for custom formats made of the usual specifiers. */
function parseExact(s: string, format: string): DateTimeV {
  const f = format.length === 1 ? STANDARD[format] ?? format : format;
  let re = '';
  const groups: string[] = [];
  for (let i = 0; i < f.length;) {
    const c = f[i]!;
    let n = 1;
    while (f[i + n] === c) n++;
    if (c === "'" || c === '"') { const j = f.indexOf(c, i + 1); re += escapeRe(f.slice(i + 1, j < 0 ? f.length : j)); i = j < 0 ? f.length : j + 1; continue; }
    if (c === '\\') { re += escapeRe(f[i + 1] ?? ''); i += 2; continue; }
    if ('yMdHhmsftzK'.includes(c)) {
      groups.push(c + n);
      re += c === 'f' ? `(\\d{${n}})` : c === 't' ? '(AM|PM|A|P)' : c === 'z' || c === 'K' ? '(Z|[+-]\\d{1,2}(?::?\\d{2})?)?' : c === 'M' && n >= 3 ? '([A-Za-z]+)' : c === 'd' && n >= 3 ? '([A-Za-z]+)' : n === 1 ? '(\\d{1,2})' : c === 'y' && n >= 3 ? `(\\d{${n}})` : `(\\d{${n}})`;
    } else re += escapeRe(c.repeat(n));
    i += n;
  }
  const m = new RegExp(`^${re}$`, 'i').exec(s.trim());
  if (!m) throw formatError(`String '${s}' was not recognized as a valid DateTime.`);
  let y = 1; let mo = 1; let d = 1; let h = 0; let mi = 0; let sec = 0; let frac = 0; let pm: boolean | null = null; let offset: number | null = null;
  groups.forEach((g, i) => {
    const v = m[i + 1];
    if (v === undefined) return;
    const c = g[0];
    if (c === 'y') y = g.length <= 2 ? 2000 + Number(v) : Number(v);
    else if (c === 'M') mo = g.length >= 3 ? MONTHS3.indexOf(v.slice(0, 3).toLowerCase()) + 1 : Number(v);
    else if (c === 'd' && g.length <= 2) d = Number(v);
    else if (c === 'H' || c === 'h') h = Number(v);
    else if (c === 'm') mi = Number(v);
    else if (c === 's') sec = Number(v);
    else if (c === 'f') frac = Number(v.padEnd(7, '0')) / TICKS_PER_MS;
    else if (c === 't') pm = v.toUpperCase().startsWith('P');
    else if (c === 'z' || c === 'K') offset = parseOffset(v.length === 3 ? v + ':00' : v);
  });
  if (pm !== null) h = (h % 12) + (pm ? 12 : 0);
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) throw formatError(`String '${s}' was not recognized as a valid DateTime.`);
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec) + frac;
  return offset === null ? new DateTimeV(ms) : new DateTimeV(ms - (offset as number) * 60000, 'Local');
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export const DATE_STATICS: Record<string, StaticTable> = {
  DateTime: {
    props: {
      UtcNow: { type: 'DateTime', get: (_t, env) => new DateTimeV(nowMs(env), 'Utc') },
      Now: { type: 'DateTime', get: (_t, env) => new DateTimeV(nowMs(env), 'Local') },
      Today: { type: 'DateTime', get: (_t, env) => new DateTimeV(Math.floor(nowMs(env) / 86400000) * 86400000, 'Local') },
      MinValue: { type: 'DateTime', get: () => new DateTimeV(MIN_MS) },
      MaxValue: { type: 'DateTime', get: () => new DateTimeV(MAX_MS) },
      UnixEpoch: { type: 'DateTime', get: () => new DateTimeV(0, 'Utc') },
    },
    methods: {
      Parse: { type: 'DateTime', call: (_t, [s]) => parseDate(s) },
      TryParse: { type: 'Boolean', call: (_t, [s, out]) => tryParse(() => parseDate(s), out, new DateTimeV(MIN_MS)) },
      ParseExact: { type: 'DateTime', call: (_t, [s, f]) => parseExact(requireString(s ?? null, 's'), requireString(f ?? null, 'format')) },
      TryParseExact: { type: 'Boolean', call: (_t, [s, f, _p, _st, out]) => tryParse(() => parseExact(requireString(s ?? null, 's'), requireString(f ?? null, 'format')), out, new DateTimeV(MIN_MS)) },
      DaysInMonth: { type: 'Int32', call: (_t, [y, m]) => { const mo = requireInt(m ?? null, 'month'); if (mo < 1 || mo > 12) throw argOutOfRange('month'); return daysInMonth(requireInt(y ?? null, 'year'), mo); } },
      IsLeapYear: { type: 'Boolean', call: (_t, [y]) => isLeap(requireInt(y ?? null, 'year')) },
      SpecifyKind: { type: 'DateTime', call: (_t, [d, k]) => new DateTimeV(dt(d ?? null).ms, (k as EnumValue).name as DateKind) },
      Compare: { type: 'Int32', call: (_t, [a, b]) => Math.sign(msOf(a ?? null) - msOf(b ?? null)) },
    },
    ctor: (args) => dateFromParts(args),
  },
  DateTimeOffset: {
    props: {
      UtcNow: { type: 'DateTimeOffset', get: (_t, env) => new DateTimeOffsetV(nowMs(env), 0) },
      Now: { type: 'DateTimeOffset', get: (_t, env) => new DateTimeOffsetV(nowMs(env), 0) },
      MinValue: { type: 'DateTimeOffset', get: () => new DateTimeOffsetV(MIN_MS) },
      MaxValue: { type: 'DateTimeOffset', get: () => new DateTimeOffsetV(MAX_MS) },
      UnixEpoch: { type: 'DateTimeOffset', get: () => new DateTimeOffsetV(0) },
    },
    methods: {
      FromUnixTimeSeconds: { type: 'DateTimeOffset', call: (_t, [s]) => new DateTimeOffsetV(requireNumber(s ?? null, 'seconds') * 1000) },
      FromUnixTimeMilliseconds: { type: 'DateTimeOffset', call: (_t, [s]) => new DateTimeOffsetV(requireNumber(s ?? null, 'milliseconds')) },
      Parse: { type: 'DateTimeOffset', call: (_t, [s]) => parseOffsetDate(s) },
      TryParse: { type: 'Boolean', call: (_t, [s, out]) => tryParse(() => parseOffsetDate(s), out, new DateTimeOffsetV(MIN_MS)) },
    },
    ctor: (args) => {
      const d = args[0];
      if (d instanceof DateTimeV) return new DateTimeOffsetV(d.ms - (args[1] instanceof TimeSpanV ? args[1].ms : 0), args[1] instanceof TimeSpanV ? Math.round(args[1].ms / 60000) : 0);
      const last = args.at(-1);
      const off = last instanceof TimeSpanV ? Math.round(last.ms / 60000) : 0;
      const local = dateFromParts(args.filter((a) => !(a instanceof TimeSpanV)));
      return new DateTimeOffsetV(local.ms - off * 60000, off);
    },
  },
  TimeSpan: {
    props: {
      Zero: { type: 'TimeSpan', get: () => new TimeSpanV(0) },
      MaxValue: { type: 'TimeSpan', get: () => new TimeSpanV(922337203685477.5807) },
      MinValue: { type: 'TimeSpan', get: () => new TimeSpanV(-922337203685477.5808) },
    },
    methods: {
      FromDays: { type: 'TimeSpan', params: ['Double'], call: (_t, [x]) => new TimeSpanV(Math.round(requireNumber(x ?? null, 'value') * 86400000)) },
      FromHours: { type: 'TimeSpan', params: ['Double'], call: (_t, [x]) => new TimeSpanV(Math.round(requireNumber(x ?? null, 'value') * 3600000)) },
      FromMinutes: { type: 'TimeSpan', params: ['Double'], call: (_t, [x]) => new TimeSpanV(Math.round(requireNumber(x ?? null, 'value') * 60000)) },
      FromSeconds: { type: 'TimeSpan', params: ['Double'], call: (_t, [x]) => new TimeSpanV(Math.round(requireNumber(x ?? null, 'value') * 1000)) },
      FromMilliseconds: { type: 'TimeSpan', params: ['Double'], call: (_t, [x]) => new TimeSpanV(requireNumber(x ?? null, 'value')) },
      FromTicks: { type: 'TimeSpan', call: (_t, [x]) => new TimeSpanV(requireNumber(x ?? null, 'value') / TICKS_PER_MS) },
      Parse: {
        type: 'TimeSpan',
        call: (_t, [s]) => {
          const m = /^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\s*$/.exec(requireString(s ?? null, 's'));
          if (!m) throw formatError('String was not recognized as a valid TimeSpan.');
          const ms = ((Number(m[2] ?? 0) * 24 + Number(m[3])) * 60 + Number(m[4])) * 60000 + Number(m[5] ?? 0) * 1000 + (m[6] ? Number(m[6].padEnd(7, '0')) / TICKS_PER_MS : 0);
          return new TimeSpanV(m[1] ? -ms : ms);
        },
      },
    },
    ctor: (args) => timeSpanFromParts(args),
  },
  DayOfWeek: { props: Object.fromEntries(DAY_NAMES.map((d, i) => [d, { type: 'DayOfWeek', get: () => dayOfWeek(i) }])), methods: {} },
  DateTimeKind: { props: Object.fromEntries(Object.entries(DATE_KIND).map(([k, v]) => [k, { type: 'DateTimeKind', get: () => new EnumValue('DateTimeKind', v, DATE_KIND) }])), methods: {} },
};

function dateArithmetic(op: string, a: Value, b: Value): Value | undefined {
  if (op === '-') {
    if (a instanceof DateTimeV && b instanceof DateTimeV) return new TimeSpanV(a.ms - b.ms);
    if (a instanceof DateTimeOffsetV && b instanceof DateTimeOffsetV) return new TimeSpanV(a.ms - b.ms);
    if (a instanceof DateTimeOffsetV && b instanceof DateTimeV) return new TimeSpanV(a.ms - b.ms);
    if (a instanceof DateTimeV && b instanceof DateTimeOffsetV) return new TimeSpanV(a.ms - b.ms);
    if (a instanceof DateTimeV && b instanceof TimeSpanV) return new DateTimeV(a.ms - b.ms, a.kind);
    if (a instanceof DateTimeOffsetV && b instanceof TimeSpanV) return new DateTimeOffsetV(a.ms - b.ms, a.offset);
    if (a instanceof TimeSpanV && b instanceof TimeSpanV) return new TimeSpanV(a.ms - b.ms);
  }
  if (op === '+') {
    if (a instanceof DateTimeV && b instanceof TimeSpanV) return new DateTimeV(a.ms + b.ms, a.kind);
    if (a instanceof DateTimeOffsetV && b instanceof TimeSpanV) return new DateTimeOffsetV(a.ms + b.ms, a.offset);
    if (a instanceof TimeSpanV && b instanceof TimeSpanV) return new TimeSpanV(a.ms + b.ms);
  }
  if (op === 'neg' && a instanceof TimeSpanV) return new TimeSpanV(-a.ms);
  return undefined;
}

HOST_ARITHMETIC.push(dateArithmetic);
HOST_COMPARE.push((a, b) => {
  const timeLike = (v: Value) => v instanceof DateTimeV || v instanceof DateTimeOffsetV || v instanceof TimeSpanV;
  if (!timeLike(a) || !timeLike(b)) return undefined;
  if ((a instanceof TimeSpanV) !== (b instanceof TimeSpanV)) return undefined;
  return Math.sign(msOf(a) - msOf(b));
});
HOST_CONVERSIONS.push((type, v) => {
  if (type === 'DateTimeOffset' && v instanceof DateTimeV) return new DateTimeOffsetV(v.ms, 0);
  return undefined;
});

export const DATE_TABLES: Record<string, TypeTable> = { DateTime: DATETIME_TABLE, DateTimeOffset: DATETIMEOFFSET_TABLE, TimeSpan: TIMESPAN_TABLE };

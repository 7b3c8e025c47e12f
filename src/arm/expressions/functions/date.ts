import { armError } from '../../errors.js';
import type { ArmFunction } from '../context.js';
import { expectInt64, expectString, fnError } from '../values.js';

/**
 * Date functions (template-functions-date): .NET date and time format strings in the invariant culture,
 * ISO 8601 durations. A parsed time keeps 100-ns ticks as .NET's DateTime does.
 */
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A UTC instant: milliseconds since the epoch plus the 100-ns ticks within the millisecond (0–9999). */
export interface Instant {
  ms: number;
  subTicks: number;
}

const STANDARD: Record<string, string> = {
  d: 'MM/dd/yyyy',
  D: 'dddd, dd MMMM yyyy',
  f: 'dddd, dd MMMM yyyy HH:mm',
  F: 'dddd, dd MMMM yyyy HH:mm:ss',
  g: 'MM/dd/yyyy HH:mm',
  G: 'MM/dd/yyyy HH:mm:ss',
  m: 'MMMM dd',
  M: 'MMMM dd',
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: 'HH:mm',
  T: 'HH:mm:ss',
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  U: 'dddd, dd MMMM yyyy HH:mm:ss',
  y: 'yyyy MMMM',
  Y: 'yyyy MMMM',
};

/** Format like .NET `DateTime.ToString(format, CultureInfo.InvariantCulture)` for a UTC DateTime. */
export function formatDotnetDate(t: Instant, format: string): string {
  if (format.length === 1) {
    const std = STANDARD[format];
    if (!std) throw fnError('utcNow', `the date and time format '${format}' is not a standard format string.`);
    return formatDotnetDate(t, std);
  }
  const d = new Date(t.ms);
  const ticks = (d.getUTCMilliseconds() * 10000 + t.subTicks).toString().padStart(7, '0');
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const hour12 = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
  let out = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c === "'" || c === '"') {
      const end = format.indexOf(c, i + 1);
      if (end < 0) throw fnError('utcNow', `the date and time format '${format}' has an unterminated quoted string.`);
      out += format.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '\\') {
      out += format[i + 1] ?? '';
      i += 2;
      continue;
    }
    if (c === '%') {
      i++;
      continue;
    }
    let run = 1;
    while (format[i + run] === c) run++;
    switch (c) {
      case 'y':
        out += run <= 2 ? pad(d.getUTCFullYear() % 100, run) : pad(d.getUTCFullYear(), run);
        break;
      case 'M':
        out += run === 1 ? String(d.getUTCMonth() + 1) : run === 2 ? pad(d.getUTCMonth() + 1, 2) : run === 3 ? MONTHS[d.getUTCMonth()]!.slice(0, 3) : MONTHS[d.getUTCMonth()]!;
        break;
      case 'd':
        out += run === 1 ? String(d.getUTCDate()) : run === 2 ? pad(d.getUTCDate(), 2) : run === 3 ? DAYS[d.getUTCDay()]!.slice(0, 3) : DAYS[d.getUTCDay()]!;
        break;
      case 'H':
        out += run === 1 ? String(d.getUTCHours()) : pad(d.getUTCHours(), 2);
        break;
      case 'h':
        out += run === 1 ? String(hour12) : pad(hour12, 2);
        break;
      case 'm':
        out += run === 1 ? String(d.getUTCMinutes()) : pad(d.getUTCMinutes(), 2);
        break;
      case 's':
        out += run === 1 ? String(d.getUTCSeconds()) : pad(d.getUTCSeconds(), 2);
        break;
      case 'f':
        if (run > 7) throw fnError('utcNow', `the date and time format '${format}' is not valid.`);
        out += ticks.slice(0, run);
        break;
      case 'F': {
        if (run > 7) throw fnError('utcNow', `the date and time format '${format}' is not valid.`);
        out += ticks.slice(0, run).replace(/0+$/, '');
        break;
      }
      case 't':
        out += (d.getUTCHours() < 12 ? 'AM' : 'PM').slice(0, run === 1 ? 1 : 2);
        break;
      case 'K':
        out += 'Z';
        break;
      case 'z':
        out += run === 1 ? '+0' : run === 2 ? '+00' : '+00:00';
        break;
      case 'g':
        out += 'A.D.';
        break;
      default:
        out += c.repeat(run);
    }
    i += run;
  }
  return out;
}

/** Parse an ISO 8601 date/time as ARM reads `dateTimeAdd`/`dateTimeToEpoch` bases (UTC unless an offset is given). */
export function parseIsoInstant(s: string, fn: string): Instant {
  const m = /^\s*(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/i.exec(s);
  if (!m) throw fnError(fn, `the value '${s}' is not a valid ISO 8601 date and time.`);
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  if (Number.isNaN(ms)) throw fnError(fn, `the value '${s}' is not a valid ISO 8601 date and time.`);
  const ticks = Number(frac.padEnd(7, '0'));
  ms += Math.floor(ticks / 10000);
  if (zone && zone.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = (Number(zm[2]) * 60 + Number(zm[3])) * 60_000 * (zm[1] === '-' ? -1 : 1);
    ms -= offset;
  }
  return { ms, subTicks: ticks % 10000 };
}

/** Add an ISO 8601 duration (`P1Y2M3DT4H5M6.5S`, optionally negative `-P9D`). */
export function addDuration(t: Instant, duration: string, fn: string): Instant {
  const m = /^\s*(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?\s*$/i.exec(duration);
  if (!m || /^\s*-?P\s*$/i.test(duration) || /T\s*$/i.test(duration)) throw fnError(fn, `the value '${duration}' is not a valid ISO 8601 duration.`);
  const sign = m[1] ? -1 : 1;
  const n = (i: number) => Number(m[i] ?? 0) * sign;
  const d = new Date(t.ms);
  d.setUTCFullYear(d.getUTCFullYear() + n(2));
  // .NET AddMonths clamps the day to the end of the month.
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + n(3));
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  const seconds = Number(String(m[8] ?? '0').replace(',', '.')) * sign;
  const ms = d.getTime() + (n(4) * 7 + n(5)) * 86_400_000 + n(6) * 3_600_000 + n(7) * 60_000 + Math.round(seconds * 1000);
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw fnError(fn, 'the result is outside the range of a date and time.');
  return { ms, subTicks: t.subTicks };
}

/** The format a `dateTimeAdd` result keeps when none is given (the base value's format, as far as the evidence goes). */
function baseFormat(base: string): string | undefined {
  if (/^\d{8}T\d{6}Z$/i.test(base.trim())) return "yyyyMMdd'T'HHmmss'Z'";
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.(\d+))?)?(Z)?$/i.exec(base.trim());
  if (m) return `yyyy'-'MM'-'dd'T'HH':'mm${m[1] ? "':'ss" : ''}${m[3] ? `'.'${'f'.repeat(Math.min(7, m[3].length))}` : ''}${m[4] ? "'Z'" : ''}`;
  return undefined;
}

function notHere(name: string): Error {
  return armError(
    'ERR_ARM_EXPRESSION_EVAL',
    `The template function '${name}' is not expected at this location. It can only be used within the default value of a parameter. Please see https://aka.ms/arm-template-expressions for usage details.`,
  );
}

export const dateFunctions: ArmFunction[] = [
  {
    name: 'utcNow',
    min: 0,
    max: 1,
    impl: ([f], { ctx }) => {
      if (!ctx.parameterDefault) throw notHere('utcNow');
      return formatDotnetDate({ ms: ctx.parameterDefault.now(), subTicks: 0 }, f === undefined ? "yyyyMMdd'T'HHmmss'Z'" : expectString(f, 'utcNow', 1));
    },
  },
  {
    name: 'dateTimeAdd',
    min: 2,
    max: 3,
    impl: ([b, dur, f]) => {
      const base = expectString(b, 'dateTimeAdd', 1);
      const result = addDuration(parseIsoInstant(base, 'dateTimeAdd'), expectString(dur, 'dateTimeAdd', 2), 'dateTimeAdd');
      // Learn: a base of `2020-04-07 14:53:14Z` (utcNow('u')) without a format gives `4/7/2023 2:53:14 PM`.
      const format = f !== undefined ? expectString(f, 'dateTimeAdd', 3) : (baseFormat(base) ?? 'M/d/yyyy h:mm:ss tt');
      return formatDotnetDate(result, format);
    },
  },
  {
    name: 'dateTimeToEpoch',
    min: 1,
    max: 1,
    impl: ([v]) => Math.floor(parseIsoInstant(expectString(v, 'dateTimeToEpoch', 1), 'dateTimeToEpoch').ms / 1000),
  },
  {
    name: 'dateTimeFromEpoch',
    min: 1,
    max: 1,
    impl: ([v]) => {
      const seconds = expectInt64(v, 'dateTimeFromEpoch', 1);
      const ms = Number(seconds) * 1000;
      if (!Number.isFinite(ms) || ms < -62135596800000 || ms > 253402300799000) throw fnError('dateTimeFromEpoch', `the epoch time '${seconds}' is outside the range of a date and time.`);
      return formatDotnetDate({ ms, subTicks: 0 }, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'");
    },
  },
];

/**
 * System.TimeZoneInfo for policy expressions (APIM allows all of it): business-hours policies convert
 * `DateTime.UtcNow` into a named zone. APIM's managed gateways run on Windows, so zones are found by their Windows
 * ids ("W. Europe Standard Time"); the twin maps them to IANA zones (CLDR's windowsZones table, territory 001) and
 * takes offsets and daylight saving from Node's ICU data. IANA ids are accepted too, as .NET 6+ does on Windows.
 * The gateway's local zone is UTC (Azure machines run in UTC), as `DateTime.Now` is in the twin.
 */
import type { Env, StaticTable, TypeTable } from './member-types.js';
import { DateTimeOffsetV, DateTimeV, TimeSpanV } from './lib-datetime.js';
import { argumentNull, netError, requireString, type HostValue, type Value } from './values.js';

/** Windows time zone id → IANA zone (CLDR windowsZones.xml, the "001" mapping of each Windows zone). */
const WINDOWS_ZONES: Record<string, string> = {
  'Dateline Standard Time': 'Etc/GMT+12', 'UTC-11': 'Etc/GMT+11', 'Aleutian Standard Time': 'America/Adak', 'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Marquesas Standard Time': 'Pacific/Marquesas', 'Alaskan Standard Time': 'America/Anchorage', 'UTC-09': 'Etc/GMT+9', 'Pacific Standard Time (Mexico)': 'America/Tijuana',
  'UTC-08': 'Etc/GMT+8', 'Pacific Standard Time': 'America/Los_Angeles', 'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time (Mexico)': 'America/Mazatlan', 'Mountain Standard Time': 'America/Denver', 'Yukon Standard Time': 'America/Whitehorse',
  'Central America Standard Time': 'America/Guatemala', 'Central Standard Time': 'America/Chicago', 'Easter Island Standard Time': 'Pacific/Easter',
  'Central Standard Time (Mexico)': 'America/Mexico_City', 'Canada Central Standard Time': 'America/Regina', 'SA Pacific Standard Time': 'America/Bogota',
  'Eastern Standard Time (Mexico)': 'America/Cancun', 'Eastern Standard Time': 'America/New_York', 'Haiti Standard Time': 'America/Port-au-Prince',
  'Cuba Standard Time': 'America/Havana', 'US Eastern Standard Time': 'America/Indianapolis', 'Turks And Caicos Standard Time': 'America/Grand_Turk',
  'Paraguay Standard Time': 'America/Asuncion', 'Atlantic Standard Time': 'America/Halifax', 'Venezuela Standard Time': 'America/Caracas',
  'Central Brazilian Standard Time': 'America/Cuiaba', 'SA Western Standard Time': 'America/La_Paz', 'Pacific SA Standard Time': 'America/Santiago',
  'Newfoundland Standard Time': 'America/St_Johns', 'Tocantins Standard Time': 'America/Araguaina', 'E. South America Standard Time': 'America/Sao_Paulo',
  'SA Eastern Standard Time': 'America/Cayenne', 'Argentina Standard Time': 'America/Buenos_Aires', 'Greenland Standard Time': 'America/Godthab',
  'Montevideo Standard Time': 'America/Montevideo', 'Magallanes Standard Time': 'America/Punta_Arenas', 'Saint Pierre Standard Time': 'America/Miquelon',
  'Bahia Standard Time': 'America/Bahia', 'UTC-02': 'Etc/GMT+2', 'Azores Standard Time': 'Atlantic/Azores', 'Cape Verde Standard Time': 'Atlantic/Cape_Verde',
  'UTC': 'Etc/UTC', 'GMT Standard Time': 'Europe/London', 'Greenwich Standard Time': 'Atlantic/Reykjavik', 'Sao Tome Standard Time': 'Africa/Sao_Tome',
  'Morocco Standard Time': 'Africa/Casablanca', 'W. Europe Standard Time': 'Europe/Berlin', 'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris', 'Central European Standard Time': 'Europe/Warsaw', 'W. Central Africa Standard Time': 'Africa/Lagos',
  'Jordan Standard Time': 'Asia/Amman', 'GTB Standard Time': 'Europe/Bucharest', 'Middle East Standard Time': 'Asia/Beirut', 'Egypt Standard Time': 'Africa/Cairo',
  'E. Europe Standard Time': 'Europe/Chisinau', 'Syria Standard Time': 'Asia/Damascus', 'West Bank Standard Time': 'Asia/Hebron',
  'South Africa Standard Time': 'Africa/Johannesburg', 'FLE Standard Time': 'Europe/Kiev', 'Israel Standard Time': 'Asia/Jerusalem',
  'South Sudan Standard Time': 'Africa/Juba', 'Kaliningrad Standard Time': 'Europe/Kaliningrad', 'Sudan Standard Time': 'Africa/Khartoum',
  'Libya Standard Time': 'Africa/Tripoli', 'Namibia Standard Time': 'Africa/Windhoek', 'Arabic Standard Time': 'Asia/Baghdad', 'Turkey Standard Time': 'Europe/Istanbul',
  'Arab Standard Time': 'Asia/Riyadh', 'Belarus Standard Time': 'Europe/Minsk', 'Russian Standard Time': 'Europe/Moscow', 'E. Africa Standard Time': 'Africa/Nairobi',
  'Volgograd Standard Time': 'Europe/Volgograd', 'Iran Standard Time': 'Asia/Tehran', 'Arabian Standard Time': 'Asia/Dubai', 'Astrakhan Standard Time': 'Europe/Astrakhan',
  'Azerbaijan Standard Time': 'Asia/Baku', 'Russia Time Zone 3': 'Europe/Samara', 'Mauritius Standard Time': 'Indian/Mauritius', 'Saratov Standard Time': 'Europe/Saratov',
  'Georgian Standard Time': 'Asia/Tbilisi', 'Caucasus Standard Time': 'Asia/Yerevan', 'Afghanistan Standard Time': 'Asia/Kabul', 'West Asia Standard Time': 'Asia/Tashkent',
  'Ekaterinburg Standard Time': 'Asia/Yekaterinburg', 'Pakistan Standard Time': 'Asia/Karachi', 'Qyzylorda Standard Time': 'Asia/Qyzylorda',
  'India Standard Time': 'Asia/Calcutta', 'Sri Lanka Standard Time': 'Asia/Colombo', 'Nepal Standard Time': 'Asia/Katmandu', 'Central Asia Standard Time': 'Asia/Bishkek',
  'Bangladesh Standard Time': 'Asia/Dhaka', 'Omsk Standard Time': 'Asia/Omsk', 'Myanmar Standard Time': 'Asia/Rangoon', 'SE Asia Standard Time': 'Asia/Bangkok',
  'Altai Standard Time': 'Asia/Barnaul', 'W. Mongolia Standard Time': 'Asia/Hovd', 'North Asia Standard Time': 'Asia/Krasnoyarsk',
  'N. Central Asia Standard Time': 'Asia/Novosibirsk', 'Tomsk Standard Time': 'Asia/Tomsk', 'China Standard Time': 'Asia/Shanghai',
  'North Asia East Standard Time': 'Asia/Irkutsk', 'Singapore Standard Time': 'Asia/Singapore', 'W. Australia Standard Time': 'Australia/Perth',
  'Taipei Standard Time': 'Asia/Taipei', 'Ulaanbaatar Standard Time': 'Asia/Ulaanbaatar', 'Aus Central W. Standard Time': 'Australia/Eucla',
  'Transbaikal Standard Time': 'Asia/Chita', 'Tokyo Standard Time': 'Asia/Tokyo', 'North Korea Standard Time': 'Asia/Pyongyang', 'Korea Standard Time': 'Asia/Seoul',
  'Yakutsk Standard Time': 'Asia/Yakutsk', 'Cen. Australia Standard Time': 'Australia/Adelaide', 'AUS Central Standard Time': 'Australia/Darwin',
  'E. Australia Standard Time': 'Australia/Brisbane', 'AUS Eastern Standard Time': 'Australia/Sydney', 'West Pacific Standard Time': 'Pacific/Port_Moresby',
  'Tasmania Standard Time': 'Australia/Hobart', 'Vladivostok Standard Time': 'Asia/Vladivostok', 'Lord Howe Standard Time': 'Australia/Lord_Howe',
  'Bougainville Standard Time': 'Pacific/Bougainville', 'Russia Time Zone 10': 'Asia/Srednekolymsk', 'Magadan Standard Time': 'Asia/Magadan',
  'Norfolk Standard Time': 'Pacific/Norfolk', 'Sakhalin Standard Time': 'Asia/Sakhalin', 'Central Pacific Standard Time': 'Pacific/Guadalcanal',
  'Russia Time Zone 11': 'Asia/Kamchatka', 'New Zealand Standard Time': 'Pacific/Auckland', 'UTC+12': 'Etc/GMT-12', 'Fiji Standard Time': 'Pacific/Fiji',
  'Chatham Islands Standard Time': 'Pacific/Chatham', 'UTC+13': 'Etc/GMT-13', 'Tonga Standard Time': 'Pacific/Tongatapu', 'Samoa Standard Time': 'Pacific/Apia',
  'Line Islands Standard Time': 'Pacific/Kiritimati',
};

const notFound = (id: string) => netError('TimeZoneNotFoundException', `The time zone ID '${id}' was not found on the local computer.`);

export class TimeZoneV implements HostValue {
  readonly $type = 'TimeZoneInfo';
  // Built on first use: the first time-zone formatter of a process loads ICU's zone data (≈ 30 ms), and UTC_ZONE
  // below is created when the expression library loads, on every `trustline up` (bench/RESULTS.md, start-up).
  #format: Intl.DateTimeFormat | undefined;
  constructor(readonly id: string, readonly iana: string) {}
  /** Minutes east of UTC at the UTC instant `ms`. */
  offsetAt(ms: number): number {
    this.#format ??= new Intl.DateTimeFormat('en-US', { timeZone: this.iana, timeZoneName: 'longOffset' });
    const text = this.#format.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /GMT([+-])(\d\d):(\d\d)/.exec(text);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  }
  /** The standard offset of the year of `ms` (the smaller of January's and July's: daylight time adds). */
  baseOffset(ms: number): number {
    const y = new Date(ms).getUTCFullYear();
    return Math.min(this.offsetAt(Date.UTC(y, 0, 1)), this.offsetAt(Date.UTC(y, 6, 1)));
  }
  /** The UTC instant of a wall-clock time in this zone (a time skipped by a DST change moves forward; an ambiguous one is standard time). */
  toUtc(localMs: number): number {
    const guess = localMs - this.offsetAt(localMs) * 60000;
    const off = this.offsetAt(guess);
    const second = localMs - off * 60000;
    const a = this.offsetAt(second);
    return a === off ? second : Math.max(second, localMs - a * 60000);
  }
  netString(): string { return this.displayName(); }
  displayName(): string {
    const o = this.id === 'UTC' ? 0 : this.baseOffset(Date.UTC(2026, 0, 1));
    const sign = o < 0 ? '-' : '+';
    const a = Math.abs(o);
    return `(UTC${a === 0 && this.id === 'UTC' ? '' : `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`}) ${this.id}`;
  }
}

const UTC_ZONE = new TimeZoneV('UTC', 'Etc/UTC');

function findZone(v: Value | undefined): TimeZoneV {
  if (v === null || v === undefined) throw argumentNull('id');
  const id = requireString(v, 'id');
  // Windows ids, case-insensitively (the id keeps the registry's spelling)
  const windows = Object.keys(WINDOWS_ZONES).find((w) => w.toLowerCase() === id.toLowerCase());
  if (windows) return windows === 'UTC' ? UTC_ZONE : new TimeZoneV(windows, WINDOWS_ZONES[windows]!);
  // IANA ids ("Europe/Berlin"), as .NET 6+ finds them on Windows through ICU
  if (id.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(id)) throw notFound(id);
  try {
    return new TimeZoneV(id, new Intl.DateTimeFormat('en-US', { timeZone: id }).resolvedOptions().timeZone);
  } catch {
    throw notFound(id);
  }
}

const zone = (v: Value | undefined, what: string): TimeZoneV => {
  if (v === null || v === undefined) throw argumentNull(what);
  if (!(v instanceof TimeZoneV)) throw netError('InvalidCastException', `Unable to cast the argument to TimeZoneInfo.`);
  return v;
};

/** The UTC instant of a DateTime as .NET reads it for a conversion: Utc as is, Local and Unspecified in the source zone (local: UTC). */
function instantOf(d: DateTimeV, source: TimeZoneV): number {
  return d.kind === 'Utc' ? d.ms : d.kind === 'Local' ? d.ms : source.toUtc(d.ms);
}

/** A DateTime or DateTimeOffset converted to `dest`: a DateTime's Kind is Utc for UTC, else Unspecified (Local for the local zone). */
function convert(v: Value | undefined, dest: TimeZoneV, source: TimeZoneV = UTC_ZONE): Value {
  if (v instanceof DateTimeOffsetV) return new DateTimeOffsetV(v.ms, dest.offsetAt(v.ms));
  if (!(v instanceof DateTimeV)) throw argumentNull('dateTime');
  const utc = instantOf(v, source);
  if (dest === UTC_ZONE) return new DateTimeV(utc, 'Utc');
  return new DateTimeV(utc + dest.offsetAt(utc) * 60000, 'Unspecified');
}

export const TIMEZONE_TABLES: Record<string, TypeTable> = {
  TimeZoneInfo: {
    props: {
      Id: { type: 'String', get: (z) => (z as TimeZoneV).id },
      DisplayName: { type: 'String', get: (z) => (z as TimeZoneV).displayName() },
      StandardName: { type: 'String', get: (z) => ((z as TimeZoneV).id === 'UTC' ? 'Coordinated Universal Time' : (z as TimeZoneV).id) },
      DaylightName: { type: 'String', get: (z) => ((z as TimeZoneV).id === 'UTC' ? 'Coordinated Universal Time' : (z as TimeZoneV).id.replace('Standard Time', 'Daylight Time')) },
      BaseUtcOffset: { type: 'TimeSpan', get: (z, env: Env) => new TimeSpanV((z as TimeZoneV).baseOffset(env.ctx.clock.now()) * 60000) },
      SupportsDaylightSavingTime: {
        type: 'Boolean',
        get: (z, env: Env) => { const y = new Date(env.ctx.clock.now()).getUTCFullYear(); const t = z as TimeZoneV; return t.offsetAt(Date.UTC(y, 0, 1)) !== t.offsetAt(Date.UTC(y, 6, 1)); },
      },
    },
    methods: {
      GetUtcOffset: {
        type: 'TimeSpan',
        call: (z, [d]) => {
          const t = z as TimeZoneV;
          if (d instanceof DateTimeOffsetV) return new TimeSpanV(t.offsetAt(d.ms) * 60000);
          if (!(d instanceof DateTimeV)) throw argumentNull('dateTime');
          return new TimeSpanV(t.offsetAt(d.kind === 'Unspecified' ? t.toUtc(d.ms) : d.ms) * 60000);
        },
      },
      IsDaylightSavingTime: {
        type: 'Boolean',
        call: (z, [d]) => {
          const t = z as TimeZoneV;
          const utc = d instanceof DateTimeOffsetV ? d.ms : d instanceof DateTimeV ? (d.kind === 'Unspecified' ? t.toUtc(d.ms) : d.ms) : NaN;
          if (Number.isNaN(utc)) throw argumentNull('dateTime');
          return t.offsetAt(utc) !== t.baseOffset(utc);
        },
      },
      Equals: { type: 'Boolean', call: (z, [o]) => o instanceof TimeZoneV && o.id === (z as TimeZoneV).id },
      ToString: { type: 'String', call: (z) => (z as TimeZoneV).displayName() },
    },
  },
};

export const TIMEZONE_STATICS: Record<string, StaticTable> = {
  TimeZoneInfo: {
    props: {
      Utc: { type: 'TimeZoneInfo', get: () => UTC_ZONE },
      Local: { type: 'TimeZoneInfo', get: () => UTC_ZONE },
    },
    methods: {
      FindSystemTimeZoneById: { type: 'TimeZoneInfo', call: (_t, [id]) => findZone(id) },
      ConvertTimeBySystemTimeZoneId: {
        type: (_a, argTypes) => (argTypes[0] === 'DateTimeOffset' ? 'DateTimeOffset' : 'DateTime'),
        call: (_t, args) => (args.length >= 3 ? convert(args[0], findZone(args[2]), findZone(args[1])) : convert(args[0], findZone(args[1]))),
      },
      ConvertTime: {
        type: (_a, argTypes) => (argTypes[0] === 'DateTimeOffset' ? 'DateTimeOffset' : 'DateTime'),
        call: (_t, args) => (args.length >= 3 ? convert(args[0], zone(args[2], 'destinationTimeZone'), zone(args[1], 'sourceTimeZone')) : convert(args[0], zone(args[1], 'destinationTimeZone'))),
      },
      ConvertTimeFromUtc: {
        type: 'DateTime',
        call: (_t, [d, z]) => {
          if (!(d instanceof DateTimeV)) throw argumentNull('dateTime');
          if (d.kind === 'Local') throw netError('ArgumentException', 'The DateTime\'s Kind property must be DateTimeKind.Utc or DateTimeKind.Unspecified.');
          return convert(new DateTimeV(d.ms, 'Utc'), zone(z, 'destinationTimeZone'));
        },
      },
      ConvertTimeToUtc: {
        type: 'DateTime',
        call: (_t, [d, z]) => {
          if (!(d instanceof DateTimeV)) throw argumentNull('dateTime');
          if (d.kind === 'Utc') return d;
          const src = z === undefined ? UTC_ZONE : zone(z, 'sourceTimeZone');
          return new DateTimeV(d.kind === 'Local' ? d.ms : src.toUtc(d.ms), 'Utc');
        },
      },
    },
  },
};

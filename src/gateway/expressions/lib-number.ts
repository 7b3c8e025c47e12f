/** Numbers (Int32, Int64, Double, Decimal, Boolean), Math, Convert, BitConverter, Guid and Random. */
import { randomBytes, randomUUID } from 'node:crypto';
import { formatNumber } from './lib-format.js';
import { OutRef, tryParse, type Env, type StaticTable, type TypeTable } from './member-types.js';
import {
  argOutOfRange, EnumValue, formatError, invalidCast, netError, requireBytes, requireInt, requireNumber, requireString,
  toDotNetString, dotNetTypeName, type NetValue, type Value,
} from './values.js';

const overflow = (t: string) => netError('OverflowException', `Value was either too large or too small for ${t === 'Int32' ? 'an Int32' : `a ${t}`}.`);

const RANGES: Record<string, [number, number]> = {
  Int32: [-2147483648, 2147483647], Int64: [-9223372036854775808, 9223372036854775807], Int16: [-32768, 32767], Byte: [0, 255],
  UInt32: [0, 4294967295], UInt64: [0, 18446744073709551615], SByte: [-128, 127], UInt16: [0, 65535],
};

/** `int.Parse` / `long.Parse`: optional whitespace and sign, digits (en-US thousands separators allowed by Convert only). */
export function parseIntegral(s: Value | undefined, type: string, allowThousands = false): number {
  const t = requireString(s ?? null, 's').trim();
  const re = allowThousands ? /^[+-]?[0-9]{1,3}(,[0-9]{3})*$|^[+-]?[0-9]+$/ : /^[+-]?[0-9]+$/;
  if (!re.test(t)) throw formatError();
  const n = Number(t.replace(/,/g, ''));
  const [lo, hi] = RANGES[type] ?? RANGES.Int32!;
  if (n < lo || n > hi) throw overflow(type);
  return n;
}

/** `double.Parse` (invariant/en-US: `1.5`, `-1e3`, `1,000.5`, `NaN`, `Infinity`). */
export function parseFloating(s: Value | undefined): number {
  const t = requireString(s ?? null, 's').trim();
  if (/^[+-]?(Infinity|∞)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (t === 'NaN') return NaN;
  if (!/^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?$/.test(t) || !/[0-9]/.test(t)) throw formatError();
  return Number(t.replace(/,/g, ''));
}


const NUMBER_METHODS: TypeTable['methods'] = {
  ToString: { type: 'String', call: (n, [f]) => (f === undefined || f === null || f instanceof EnumValue ? toDotNetString(n) : formatNumber(n as number, requireString(f, 'format'))) },
  Equals: { type: 'Boolean', call: (n, [a]) => n === a },
  CompareTo: { type: 'Int32', call: (n, [a]) => (a === null ? 1 : Math.sign((n as number) - requireNumber(a, 'value'))) },
  GetHashCode: { type: 'Int32', call: (n) => (n as number) | 0 },
  GetValueOrDefault: { type: (_a, _b, t) => t.replace(/\?$/, ''), call: (n) => n },
};

export const NUMBER_TABLE: TypeTable = {
  props: { HasValue: { type: 'Boolean', get: () => true }, Value: { type: (_a, _b, t) => t.replace(/\?$/, ''), get: (n) => n } },
  methods: NUMBER_METHODS,
};

export const BOOL_TABLE: TypeTable = {
  props: { HasValue: { type: 'Boolean', get: () => true }, Value: { type: 'Boolean', get: (b) => b } },
  methods: {
    ToString: { type: 'String', call: (b) => toDotNetString(b) },
    Equals: { type: 'Boolean', call: (b, [a]) => b === a },
    CompareTo: { type: 'Int32', call: (b, [a]) => Number(b) - Number(a) },
    GetValueOrDefault: { type: 'Boolean', call: (b) => b },
  },
};

function integralStatics(type: string): StaticTable {
  const [lo, hi] = RANGES[type]!;
  return {
    props: { MaxValue: { type, get: () => hi }, MinValue: { type, get: () => lo } },
    methods: {
      Parse: { type, call: (_t, [s]) => parseIntegral(s, type) },
      TryParse: { type: 'Boolean', call: (_t, [s, a, b, c]) => tryParse(() => parseIntegral(s, type), [a, b, c].find((x) => x instanceof OutRef), 0) },
    },
  };
}

function floatingStatics(type: string): StaticTable {
  return {
    props: {
      MaxValue: { type, get: () => (type === 'Decimal' ? 79228162514264337593543950335 : Number.MAX_VALUE) },
      MinValue: { type, get: () => (type === 'Decimal' ? -79228162514264337593543950335 : -Number.MAX_VALUE) },
      ...(type === 'Decimal' ? { Zero: { type, get: () => 0 }, One: { type, get: () => 1 } } : {
        NaN: { type, get: () => NaN }, PositiveInfinity: { type, get: () => Infinity }, NegativeInfinity: { type, get: () => -Infinity },
        Epsilon: { type, get: () => Number.MIN_VALUE },
      }),
    },
    methods: {
      Parse: { type, call: (_t, [s]) => parseFloating(s) },
      TryParse: { type: 'Boolean', call: (_t, [s, a, b, c]) => tryParse(() => parseFloating(s), [a, b, c].find((x) => x instanceof OutRef), 0) },
      IsNaN: { type: 'Boolean', call: (_t, [x]) => Number.isNaN(requireNumber(x ?? null, 'd')) },
      IsInfinity: { type: 'Boolean', call: (_t, [x]) => !Number.isFinite(requireNumber(x ?? null, 'd')) && !Number.isNaN(x) },
      Round: { type, call: (_t, [x, d]) => roundHalfEven(requireNumber(x ?? null, 'd'), typeof d === 'number' ? d : 0) },
    },
  };
}

function parseBool(s: Value | undefined): boolean {
  const t = requireString(s ?? null, 'value').trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw formatError(`String '${String(s)}' was not recognized as a valid Boolean.`);
}

/** Round half to even (Math.Round's default), with `digits` decimals. */
export function roundHalfEven(x: number, digits = 0): number {
  if (digits < 0 || digits > 15) throw argOutOfRange('digits');
  const f = 10 ** digits;
  const y = x * f;
  const r = Math.round(y);
  const rounded = Math.abs(y % 1) === 0.5 ? 2 * Math.round(y / 2) : r;
  return rounded / f;
}

function roundAway(x: number, digits = 0): number {
  const f = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
}

const num = (v: Value | undefined, w = 'value') => requireNumber(v ?? null, w);

export const MATH_STATICS: StaticTable = {
  props: { PI: { type: 'Double', get: () => Math.PI }, E: { type: 'Double', get: () => Math.E } },
  methods: {
    Abs: { type: (_t, a) => a[0] ?? 'Double', call: (_t, [x]) => { const n = num(x); if (n === -2147483648) throw overflow('Int32'); return Math.abs(n); } },
    Max: { type: (_t, a) => promoteNumeric(a), call: (_t, [x, y]) => Math.max(num(x, 'val1'), num(y, 'val2')) },
    Min: { type: (_t, a) => promoteNumeric(a), call: (_t, [x, y]) => Math.min(num(x, 'val1'), num(y, 'val2')) },
    Floor: { type: 'Double', call: (_t, [x]) => Math.floor(num(x, 'd')) },
    Ceiling: { type: 'Double', call: (_t, [x]) => Math.ceil(num(x, 'a')) },
    Truncate: { type: 'Double', call: (_t, [x]) => Math.trunc(num(x, 'd')) },
    Round: {
      type: 'Double',
      call: (_t, [x, d, m]) => {
        const mode = d instanceof EnumValue ? d : m instanceof EnumValue ? m : undefined;
        const digits = typeof d === 'number' ? d : 0;
        return mode && mode.name === 'AwayFromZero' ? roundAway(num(x), digits) : roundHalfEven(num(x), digits);
      },
    },
    Pow: { type: 'Double', call: (_t, [x, y]) => Math.pow(num(x, 'x'), num(y, 'y')) },
    Sqrt: { type: 'Double', call: (_t, [x]) => Math.sqrt(num(x, 'd')) },
    Log: { type: 'Double', call: (_t, [x, b]) => (b === undefined ? Math.log(num(x, 'd')) : Math.log(num(x, 'a')) / Math.log(num(b, 'newBase'))) },
    Log10: { type: 'Double', call: (_t, [x]) => Math.log10(num(x, 'd')) },
    Log2: { type: 'Double', call: (_t, [x]) => Math.log2(num(x, 'd')) },
    Exp: { type: 'Double', call: (_t, [x]) => Math.exp(num(x, 'd')) },
    Sign: { type: 'Int32', call: (_t, [x]) => { const n = num(x); if (Number.isNaN(n)) throw netError('ArithmeticException', 'Function does not accept floating point Not-a-Number values.'); return Math.sign(n); } },
    Sin: { type: 'Double', call: (_t, [x]) => Math.sin(num(x, 'a')) },
    Cos: { type: 'Double', call: (_t, [x]) => Math.cos(num(x, 'd')) },
    Tan: { type: 'Double', call: (_t, [x]) => Math.tan(num(x, 'a')) },
    Atan: { type: 'Double', call: (_t, [x]) => Math.atan(num(x, 'd')) },
    Atan2: { type: 'Double', call: (_t, [y, x]) => Math.atan2(num(y, 'y'), num(x, 'x')) },
    Clamp: { type: (_t, a) => a[0] ?? 'Double', call: (_t, [v, lo, hi]) => { if (num(lo, 'min') > num(hi, 'max')) throw netError('ArgumentException', "'min' cannot be greater than max."); return Math.min(Math.max(num(v), num(lo)), num(hi)); } },
  },
};

function promoteNumeric(types: string[]): string {
  if (types.includes('Double') || types.includes('Single')) return 'Double';
  if (types.includes('Decimal')) return 'Decimal';
  if (types.includes('Int64')) return 'Int64';
  return types.every((t) => t === 'Int32') ? 'Int32' : 'Double';
}

// ---- Convert ---------------------------------------------------------------------------------------------------------

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Convert.FromBase64String: whitespace ignored, length a multiple of 4, FormatException otherwise. */
export function fromBase64(s: Value | undefined): Uint8Array {
  const t = requireString(s ?? null, 's').replace(/[ \t\r\n]/g, '');
  if (t.length % 4 !== 0 || !B64.test(t)) {
    throw formatError('The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.');
  }
  return new Uint8Array(Buffer.from(t, 'base64'));
}

export function toBase64(bytes: Uint8Array, env: Env): string {
  env.meter.string(Math.ceil(bytes.length / 3) * 4);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function toIntegral(v: Value | undefined, type: string): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return parseIntegral(v, type, true);
  if (typeof v === 'number') {
    const n = Number.isInteger(v) ? v : roundHalfEven(v);
    const [lo, hi] = RANGES[type]!;
    if (!(n >= lo && n <= hi)) throw overflow(type);
    return n;
  }
  if (v instanceof EnumValue) return v.value;
  throw invalidCast(dotNetTypeName(v), `System.${type}`);
}

function toFloating(v: Value | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return parseFloating(v);
  if (typeof v === 'number') return v;
  throw invalidCast(dotNetTypeName(v), 'System.Double');
}

function toBoolean(v: Value | undefined): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return parseBool(v);
  if (typeof v === 'number') return v !== 0;
  throw invalidCast(dotNetTypeName(v), 'System.Boolean');
}

export const CONVERT_STATICS: StaticTable = {
  props: {},
  methods: {
    ToBase64String: {
      type: 'String',
      call: (_t, [b, off, len], _ta, env) => {
        const bytes = requireBytes(b, 'inArray');
        if (typeof off === 'number' && typeof len === 'number') {
          if (off < 0 || len < 0 || off + len > bytes.length) throw argOutOfRange('offset');
          return toBase64(bytes.subarray(off, off + len), env);
        }
        return toBase64(bytes, env);
      },
    },
    FromBase64String: { type: 'Byte[]', call: (_t, [s]) => fromBase64(s) },
    ToHexString: { type: 'String', call: (_t, [b], _ta, env) => { const bytes = requireBytes(b, 'inArray'); env.meter.string(bytes.length * 2); return Buffer.from(bytes).toString('hex').toUpperCase(); } },
    FromHexString: {
      type: 'Byte[]',
      call: (_t, [s]) => {
        const t = requireString(s ?? null, 's');
        if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) throw formatError('The input is not a valid hex string as it contains a non-hex character.');
        return new Uint8Array(Buffer.from(t, 'hex'));
      },
    },
    ToInt32: { type: 'Int32', call: (_t, [v, base]) => (typeof base === 'number' ? parseBase(v, base, 'Int32') : toIntegral(v, 'Int32')) },
    ToInt64: { type: 'Int64', call: (_t, [v, base]) => (typeof base === 'number' ? parseBase(v, base, 'Int64') : toIntegral(v, 'Int64')) },
    ToInt16: { type: 'Int32', call: (_t, [v]) => toIntegral(v, 'Int16') },
    ToByte: { type: 'Int32', call: (_t, [v, base]) => (typeof base === 'number' ? parseBase(v, base, 'Byte') : toIntegral(v, 'Byte')) },
    ToUInt32: { type: 'Int64', call: (_t, [v]) => toIntegral(v, 'UInt32') },
    ToUInt64: { type: 'Int64', call: (_t, [v]) => toIntegral(v, 'UInt64') },
    ToDouble: { type: 'Double', call: (_t, [v]) => toFloating(v) },
    ToSingle: { type: 'Double', call: (_t, [v]) => Math.fround(toFloating(v)) },
    ToDecimal: { type: 'Decimal', call: (_t, [v]) => toFloating(v) },
    ToBoolean: { type: 'Boolean', call: (_t, [v]) => toBoolean(v) },
    ToChar: { type: 'Char', call: (_t, [v]) => (typeof v === 'string' && v.length === 1 ? v : String.fromCharCode(toIntegral(v, 'UInt16'))) },
    ToString: {
      type: 'String',
      call: (_t, [v, f]) => {
        if (typeof v === 'number' && typeof f === 'number') return Math.trunc(v).toString(f);
        if (typeof v === 'number' && typeof f === 'string') return formatNumber(v, f);
        return toDotNetString(v ?? null);
      },
    },
    ToDateTime: { type: 'DateTime', call: () => { throw netError('NotSupportedException', 'Convert.ToDateTime is not supported by the twin; use DateTime.Parse.'); } },
  },
};

function parseBase(v: Value | undefined, base: number, type: string): number {
  if (![2, 8, 10, 16].includes(base)) throw netError('ArgumentException', 'Invalid Base.');
  const s = requireString(v ?? null, 'value').trim().replace(/^0x/i, base === 16 ? '' : '0x');
  const re = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^-?[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base]!;
  if (!re.test(s)) throw formatError('Could not find any recognizable digits.');
  const n = parseInt(s, base);
  const [lo, hi] = RANGES[type]!;
  if (base !== 10 && type === 'Int32' && n > 2147483647 && n <= 4294967295) return n | 0;
  if (n < lo || n > hi) throw overflow(type);
  return n;
}

export const BITCONVERTER_STATICS: StaticTable = {
  props: { IsLittleEndian: { type: 'Boolean', get: () => true } },
  methods: {
    ToString: {
      type: 'String',
      call: (_t, [b, off, len], _ta, env) => {
        const bytes = requireBytes(b, 'value');
        const start = typeof off === 'number' ? off : 0;
        const end = typeof len === 'number' ? start + len : bytes.length;
        if (start < 0 || end > bytes.length || end < start) throw argOutOfRange('startIndex');
        env.meter.string((end - start) * 3);
        return [...bytes.subarray(start, end)].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join('-');
      },
    },
    GetBytes: {
      type: 'Byte[]',
      call: (_t, [v]) => {
        if (typeof v === 'boolean') return new Uint8Array([v ? 1 : 0]);
        const n = requireNumber(v ?? null, 'value');
        if (!Number.isInteger(n)) { const b = Buffer.alloc(8); b.writeDoubleLE(n); return new Uint8Array(b); }
        if (n >= -2147483648 && n <= 2147483647) { const b = Buffer.alloc(4); b.writeInt32LE(n); return new Uint8Array(b); }
        const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(n)); return new Uint8Array(b);
      },
    },
    ToInt32: { type: 'Int32', call: (_t, [b, off]) => { const bytes = requireBytes(b, 'value'); const o = requireInt(off ?? 0, 'startIndex'); if (o < 0 || o + 4 > bytes.length) throw argOutOfRange('startIndex'); return Buffer.from(bytes).readInt32LE(o); } },
    ToInt64: { type: 'Int64', call: (_t, [b, off]) => { const bytes = requireBytes(b, 'value'); const o = requireInt(off ?? 0, 'startIndex'); if (o < 0 || o + 8 > bytes.length) throw argOutOfRange('startIndex'); return Number(Buffer.from(bytes).readBigInt64LE(o)); } },
  },
};

// ---- Guid ------------------------------------------------------------------------------------------------------------

export class GuidV implements NetValue {
  readonly $type = 'Guid';
  /** Lower-case "D" text. */
  constructor(readonly text: string) {}
  netEquals(o: Value): boolean { return o instanceof GuidV && o.text === this.text; }
  netString(format?: string): string { return formatGuid(this.text, format); }
  /** .NET byte order: the first three groups little-endian. */
  bytes(): Uint8Array {
    const hex = this.text.replace(/-/g, '');
    const b = Buffer.from(hex, 'hex');
    const out = Buffer.alloc(16);
    out[0] = b[3]!; out[1] = b[2]!; out[2] = b[1]!; out[3] = b[0]!; out[4] = b[5]!; out[5] = b[4]!; out[6] = b[7]!; out[7] = b[6]!;
    b.copy(out, 8, 8);
    return new Uint8Array(out);
  }
  static fromBytes(bytes: Uint8Array): GuidV {
    if (bytes.length !== 16) throw netError('ArgumentException', "Byte array for Guid must be exactly 16 bytes long. (Parameter 'b')");
    const b = bytes;
    const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    const hex = order.map((i) => b[i]!.toString(16).padStart(2, '0')).join('');
    return new GuidV(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
  }
}

function formatGuid(d: string, format?: string): string {
  switch (format ?? 'D') {
    case '': case 'D': case 'd': return d;
    case 'N': case 'n': return d.replace(/-/g, '');
    case 'B': case 'b': return `{${d}}`;
    case 'P': case 'p': return `(${d})`;
    default: throw formatError('Format string can be only "D", "d", "N", "n", "P", "p", "B", "b", "X" or "x".');
  }
}

export function parseGuid(s: Value | undefined): GuidV {
  const t = requireString(s ?? null, 'input').trim();
  const m = /^[{(]?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})[})]?$/.exec(t);
  const balanced = (t.startsWith('{') && t.endsWith('}')) || (t.startsWith('(') && t.endsWith(')')) || (!/^[{(]/.test(t) && !/[})]$/.test(t));
  const dashes = (t.match(/-/g) ?? []).length;
  if (!m || !balanced || (dashes !== 0 && dashes !== 4)) throw formatError('Unrecognized Guid format.');
  return new GuidV(`${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`.toLowerCase());
}

export const GUID_TABLE: TypeTable = {
  props: {},
  methods: {
    ToString: { type: 'String', call: (g, [f]) => (g as GuidV).netString(f === undefined || f === null ? undefined : requireString(f, 'format')) },
    ToByteArray: { type: 'Byte[]', call: (g) => (g as GuidV).bytes() },
    Equals: { type: 'Boolean', call: (g, [o]) => (g as GuidV).netEquals(o ?? null) },
    CompareTo: { type: 'Int32', call: (g, [o]) => { const a = (g as GuidV).text; const b = o instanceof GuidV ? o.text : ''; return a < b ? -1 : a > b ? 1 : 0; } },
    GetHashCode: { type: 'Int32', call: (g) => parseInt((g as GuidV).text.slice(0, 8), 16) | 0 },
  },
};

export const GUID_STATICS: StaticTable = {
  props: { Empty: { type: 'Guid', get: () => new GuidV('00000000-0000-0000-0000-000000000000') } },
  methods: {
    NewGuid: { type: 'Guid', call: () => new GuidV(randomUUID()) },
    Parse: { type: 'Guid', call: (_t, [s]) => parseGuid(s) },
    TryParse: { type: 'Boolean', call: (_t, [s, out]) => tryParse(() => parseGuid(s), out, new GuidV('00000000-0000-0000-0000-000000000000')) },
  },
  ctor: (args) => (args[0] instanceof Uint8Array ? GuidV.fromBytes(args[0]) : parseGuid(args[0])),
};

// ---- Random ----------------------------------------------------------------------------------------------------------

/** System.Random: a seeded instance reproduces .NET's subtractive generator; an unseeded one uses crypto. */
export class RandomV implements NetValue {
  readonly $type = 'Random';
  readonly #seedArray: number[] | null = null;
  #inext = 0;
  #inextp = 21;
  constructor(seed?: number) {
    if (seed === undefined) return;
    const MBIG = 2147483647;
    const seedArray = new Array<number>(56).fill(0);
    const subtraction = seed === -2147483648 ? MBIG : Math.abs(seed);
    let mj = 161803398 - subtraction;
    seedArray[55] = mj;
    let mk = 1;
    for (let i = 1; i < 55; i++) {
      const ii = (21 * i) % 55;
      seedArray[ii] = mk;
      mk = mj - mk;
      if (mk < 0) mk += MBIG;
      mj = seedArray[ii]!;
    }
    for (let k = 1; k < 5; k++) {
      for (let i = 1; i < 56; i++) {
        seedArray[i] = seedArray[i]! - seedArray[1 + ((i + 30) % 55)]!;
        if (seedArray[i]! < 0) seedArray[i] = seedArray[i]! + MBIG;
      }
    }
    this.#seedArray = seedArray;
  }
  #internalSample(): number {
    const s = this.#seedArray!;
    let inext = this.#inext + 1;
    if (inext >= 56) inext = 1;
    let inextp = this.#inextp + 1;
    if (inextp >= 56) inextp = 1;
    let ret = s[inext]! - s[inextp]!;
    if (ret === 2147483647) ret--;
    if (ret < 0) ret += 2147483647;
    s[inext] = ret;
    this.#inext = inext;
    this.#inextp = inextp;
    return ret;
  }
  sample(): number {
    if (!this.#seedArray) return randomBytes(4).readUInt32LE(0) / 4294967296;
    return this.#internalSample() * (1.0 / 2147483647);
  }
  next(min: number, max: number): number {
    if (min > max) throw argOutOfRange('minValue');
    return Math.floor(this.sample() * (max - min)) + min;
  }
  netEquals(o: Value): boolean { return o === this; }
  netString(): string { return 'System.Random'; }
}

export const RANDOM_TABLE: TypeTable = {
  props: {},
  methods: {
    Next: {
      type: 'Int32',
      call: (r, [a, b]) => {
        const rnd = r as RandomV;
        if (a === undefined) return rnd.next(0, 2147483647);
        if (b === undefined) { const max = requireInt(a, 'maxValue'); if (max < 0) throw argOutOfRange('maxValue'); return rnd.next(0, max); }
        return rnd.next(requireInt(a, 'minValue'), requireInt(b, 'maxValue'));
      },
    },
    NextDouble: { type: 'Double', call: (r) => (r as RandomV).sample() },
    NextBytes: { type: 'Void', call: (r, [b]) => { const bytes = requireBytes(b, 'buffer'); for (let i = 0; i < bytes.length; i++) bytes[i] = (r as RandomV).next(0, 256); return null; } },
  },
};

export const NUMBER_LIB_STATICS: Record<string, StaticTable> = {
  Int32: integralStatics('Int32'),
  Int64: integralStatics('Int64'),
  Int16: integralStatics('Int16'),
  Byte: integralStatics('Byte'),
  SByte: integralStatics('SByte'),
  UInt16: integralStatics('UInt16'),
  UInt32: integralStatics('UInt32'),
  UInt64: integralStatics('UInt64'),
  Double: floatingStatics('Double'),
  Single: floatingStatics('Single'),
  Decimal: floatingStatics('Decimal'),
  Boolean: {
    props: { TrueString: { type: 'String', get: () => 'True' }, FalseString: { type: 'String', get: () => 'False' } },
    methods: {
      Parse: { type: 'Boolean', call: (_t, [s]) => parseBool(s) },
      TryParse: { type: 'Boolean', call: (_t, [s, out]) => tryParse(() => parseBool(s), out, false) },
    },
  },
  Math: MATH_STATICS,
  Convert: CONVERT_STATICS,
  BitConverter: BITCONVERTER_STATICS,
  Guid: GUID_STATICS,
  Random: {
    props: {},
    methods: {},
    ctor: (args) => new RandomV(args[0] === undefined ? undefined : requireInt(args[0], 'Seed')),
  },
  MidpointRounding: {
    props: Object.fromEntries(['ToEven', 'AwayFromZero', 'ToZero', 'ToNegativeInfinity', 'ToPositiveInfinity'].map((n, i) => [n, { type: 'MidpointRounding', get: () => new EnumValue('MidpointRounding', i, { ToEven: 0, AwayFromZero: 1, ToZero: 2, ToNegativeInfinity: 3, ToPositiveInfinity: 4 }) }])),
    methods: {},
  },
};

export const NUMBER_LIB_TABLES: Record<string, TypeTable> = {
  Int32: NUMBER_TABLE, Int64: NUMBER_TABLE, Double: NUMBER_TABLE, Decimal: NUMBER_TABLE, Boolean: BOOL_TABLE, Guid: GUID_TABLE, Random: RANDOM_TABLE,
};


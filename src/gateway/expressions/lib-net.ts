/**
 * System.Net.IPAddress with the members APIM allows (Learn's allowed-types table: AddressFamily, Equals,
 * GetAddressBytes, IsLoopback, Parse, TryParse, ToString), for policies that check `context.Request.IpAddress`.
 * Parsing follows .NET's `IPAddress.Parse`: IPv4 in dotted form (1 to 4 parts, decimal, octal `0…` or hex `0x…`,
 * the last part filling the remaining bytes), IPv6 with `::`, an embedded IPv4 tail and a `%scope`; anything else is
 * FormatException. `ToString()` prints IPv4 dotted and IPv6 in RFC 5952 form, as .NET Core does.
 */
import { isIPv6 } from 'node:net';
import type { StaticTable, TypeTable } from './member-types.js';
import { tryParse } from './member-types.js';
import { argumentNull, EnumValue, netError, requireString, type HostValue, type Value } from './values.js';

const FAMILIES = { InterNetwork: 2, InterNetworkV6: 23 };

export class IpAddressV implements HostValue {
  readonly $type = 'IPAddress';
  constructor(readonly bytes: Uint8Array, readonly scope = '') {}
  netString(): string { return this.bytes.length === 4 ? [...this.bytes].join('.') : ipv6Text(this.bytes) + (this.scope ? `%${this.scope}` : ''); }
  netEquals(o: Value): boolean { return o instanceof IpAddressV && o.bytes.length === this.bytes.length && o.bytes.every((b, i) => b === this.bytes[i]) && o.scope === this.scope; }
}

const invalid = () => netError('FormatException', 'An invalid IP address was specified.');

/** One IPv4 part as .NET's inet_addr reads it: decimal, octal with a leading 0, hex with 0x. */
function ipv4Part(p: string): number {
  if (/^0[xX][0-9a-fA-F]+$/.test(p)) return parseInt(p.slice(2), 16);
  if (/^0[0-7]*$/.test(p)) return parseInt(p, 8);
  if (/^[1-9][0-9]*$/.test(p)) return Number(p);
  return NaN;
}

function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length < 1 || parts.length > 4 || parts.some((p) => p.length === 0 || p.length > 12)) return null;
  const nums = parts.map(ipv4Part);
  if (nums.some((n) => !Number.isFinite(n))) return null;
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return null;
  const out = new Uint8Array(4);
  nums.forEach((n, i) => { out[i] = n; });
  for (let i = 3, v = last; i >= nums.length; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

function parseIpv6(s: string): { bytes: Uint8Array; scope: string } | null {
  let text = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  let scope = '';
  const pct = text.indexOf('%');
  if (pct >= 0) { scope = text.slice(pct + 1); text = text.slice(0, pct); if (!/^[0-9A-Za-z]+$/.test(scope)) return null; }
  if (!isIPv6(text)) return null;
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const groups = (g: string) => (g === '' ? [] : g.split(':')).flatMap((x) => {
    if (x.includes('.')) { const v4 = parseIpv4(x)!; return [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!]; }
    return [parseInt(x, 16)];
  });
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const words = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = new Uint8Array(16);
  words.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return { bytes: out, scope };
}

/** RFC 5952: lowercase hex, the longest run (≥ 2) of zero groups as `::`, IPv4-mapped/compatible tails dotted. */
function ipv6Text(b: Uint8Array): string {
  const w = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  const v4tail = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) return `::ffff:${v4tail}`;
  let best = -1; let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = w.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function parseIpAddress(v: Value): IpAddressV {
  if (v === null || v === undefined) throw argumentNull('ipString');
  const s = requireString(v, 'ipString');
  if (s.includes(':')) {
    const r = parseIpv6(s);
    if (!r) throw invalid();
    return new IpAddressV(r.bytes, r.scope);
  }
  const b = parseIpv4(s);
  if (!b) throw invalid();
  return new IpAddressV(b);
}

const ip = (v: Value): IpAddressV => v as IpAddressV;

export const NET_TABLES: Record<string, TypeTable> = {
  IPAddress: {
    props: {
      AddressFamily: { type: 'AddressFamily', get: (v) => new EnumValue('AddressFamily', ip(v).bytes.length === 4 ? 2 : 23, FAMILIES) },
    },
    methods: {
      GetAddressBytes: { type: 'Byte[]', call: (v) => new Uint8Array(ip(v).bytes) },
      Equals: { type: 'Boolean', call: (v, [o]) => ip(v).netEquals(o ?? null) },
      ToString: { type: 'String', call: (v) => ip(v).netString() },
    },
  },
};

export const NET_STATICS: Record<string, StaticTable> = {
  IPAddress: {
    props: {},
    methods: {
      Parse: { type: 'IPAddress', params: ['String'], call: (_t, [s]) => parseIpAddress(s ?? null) },
      TryParse: { type: 'Boolean', call: (_t, [s, out]) => tryParse(() => parseIpAddress(s ?? null), out, null) },
      IsLoopback: {
        type: 'Boolean',
        call: (_t, [a]) => {
          if (a === null || a === undefined) throw argumentNull('address');
          const b = ip(a).bytes;
          return b.length === 4 ? b[0] === 127 : b.every((x, i) => x === (i === 15 ? 1 : 0)) || (ipv6Text(b).startsWith('::ffff:127.'));
        },
      },
    },
  },
};

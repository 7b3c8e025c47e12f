import type { ArmFunction } from '../context.js';
import { expectInt, expectString, fnError } from '../values.js';

/** CIDR functions (template-functions-cidr): IPv4 and IPv6 ranges as big integers. */
interface Network {
  v6: boolean;
  bits: number;
  prefix: number;
  network: bigint;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || (s.match(/::/g)?.length ?? 0) > 1) return undefined;
  let groups: string[];
  if (s.includes('::')) {
    const [head, tail] = s.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    if (h.length + t.length > 7) return undefined;
    groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  } else groups = s.split(':');
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function format(n: Network, value: bigint): string {
  if (!n.v6) return [24n, 16n, 8n, 0n].map((sh) => String((value >> sh) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - i * 16)) & 0xffffn));
  // RFC 5952: the longest run (≥ 2) of zero groups becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function parseNetwork(fn: string, text: string): Network {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  const v4 = m ? parseV4(m[1]!) : undefined;
  const v6 = m && v4 === undefined ? parseV6(m[1]!) : undefined;
  if (!m || (v4 === undefined && v6 === undefined)) throw fnError(fn, `the value '${text}' is not a valid IP address range in CIDR notation.`);
  const bits = v4 !== undefined ? 32 : 128;
  const prefix = Number(m[2]);
  if (prefix > bits) throw fnError(fn, `the prefix length '${prefix}' of '${text}' is larger than ${bits}.`);
  const mask = prefixMask(bits, prefix);
  return { v6: v4 === undefined, bits, prefix, network: (v4 ?? v6)! & mask };
}

function prefixMask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : (all << BigInt(bits - prefix)) & all;
}

const lastOf = (n: Network) => n.network | (((1n << BigInt(n.bits)) - 1n) ^ prefixMask(n.bits, n.prefix));

export const cidrFunctions: ArmFunction[] = [
  {
    name: 'parseCidr',
    min: 1,
    max: 1,
    impl: ([v]) => {
      const n = parseNetwork('parseCidr', expectString(v, 'parseCidr', 1));
      const last = lastOf(n);
      const netmask = format(n, prefixMask(n.bits, n.prefix));
      if (n.v6) return { network: format(n, n.network), netmask, firstUsable: format(n, n.network), lastUsable: format(n, last), cidr: n.prefix };
      const small = n.prefix >= 31;
      return {
        network: format(n, n.network),
        netmask,
        broadcast: format(n, last),
        firstUsable: format(n, small ? n.network : n.network + 1n),
        lastUsable: format(n, small ? last : last - 1n),
        cidr: n.prefix,
      };
    },
  },
  {
    name: 'cidrSubnet',
    min: 3,
    max: 3,
    impl: ([v, c, i]) => {
      const n = parseNetwork('cidrSubnet', expectString(v, 'cidrSubnet', 1));
      const newCidr = expectInt(c, 'cidrSubnet', 2);
      const index = expectInt(i, 'cidrSubnet', 3);
      if (newCidr < n.prefix || newCidr > n.bits) throw fnError('cidrSubnet', `the new CIDR '${newCidr}' must be between ${n.prefix} and ${n.bits}.`);
      const count = 1n << BigInt(newCidr - n.prefix);
      if (index < 0 || BigInt(index) >= count) throw fnError('cidrSubnet', `the subnet index '${index}' is out of range: '${v as string}' has ${count} subnets of /${newCidr}.`);
      return `${format(n, n.network + (BigInt(index) << BigInt(n.bits - newCidr)))}/${newCidr}`;
    },
  },
  {
    name: 'cidrHost',
    min: 2,
    max: 2,
    impl: ([v, i]) => {
      const n = parseNetwork('cidrHost', expectString(v, 'cidrHost', 1));
      const index = expectInt(i, 'cidrHost', 2);
      const first = n.v6 || n.prefix < 31 ? n.network + 1n : n.network;
      const lastUsable = n.v6 || n.prefix >= 31 ? lastOf(n) : lastOf(n) - 1n;
      const host = first + BigInt(index);
      if (index < 0 || host > lastUsable) throw fnError('cidrHost', `the host index '${index}' is out of range for '${v as string}'.`);
      return format(n, host);
    },
  },
];

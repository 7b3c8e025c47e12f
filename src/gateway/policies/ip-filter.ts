import { isIP } from 'node:net';
import { PolicyError } from '../pipeline/errors.js';
import type { PolicyDefinition } from './types.js';
import { onlyChildren, required, str } from './util.js';

/** An IPv4 or IPv6 address as a bigint (IPv4-mapped IPv6 read as IPv4), or undefined. */
export function ipValue(ip: string): { v: bigint; family: 4 | 6 } | undefined {
  let a = ip.trim();
  if (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4) a = a.slice(7);
  const fam = isIP(a);
  if (fam === 4) return { v: a.split('.').reduce((acc, p) => (acc << 8n) + BigInt(Number(p)), 0n), family: 4 };
  if (fam !== 6) return undefined;
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return { v: groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n), family: 6 };
}

/**
 * ip-filter (docs/behaviour/apim.md §2): `allow` lets in only matching callers, `forbid` keeps matching callers out.
 * A refusal is 403 `{ "statusCode": 403, "message": "Forbidden" }` with LastError CallerIpNotAllowed.
 */
export const ipFilter: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['action'],
  compile(node, cc, base) {
    onlyChildren(cc, node, ['address', 'address-range']);
    const action = required(cc, node, 'action');
    if (!action.isExpression && !['allow', 'forbid'].includes(action.literal)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `action must be allow or forbid, not '${action.literal}'`);
    const singles = node.children.filter((c) => c.name === 'address').map((c) => cc.value(c, c.text.trim(), '<address>')!);
    const ranges = node.children.filter((c) => c.name === 'address-range').map((c) => {
      const from = c.attrs.from, to = c.attrs.to;
      const f = from ? ipValue(from) : undefined, t = to ? ipValue(to) : undefined;
      if (!f || !t || f.family !== t.family) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, `<address-range> needs 'from' and 'to' addresses of one family, not '${from}'-'${to}'`);
      return { f, t, text: `${from}-${to}` };
    });
    for (const s of singles) if (!s.isExpression && !ipValue(s.literal)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `'${s.literal}' is not an IP address`);
    return {
      ...base,
      run(rc) {
        const act = str(action.get(rc)).trim().toLowerCase();
        const ip = rc.request.ipAddress;
        const caller = ipValue(ip);
        if (!caller) throw new PolicyError({ source: 'ip-filter', reason: 'FailedToParseCallerIP', message: `Failed to parse caller IP address '${ip}'.`, statusCode: 403, responseMessage: 'Forbidden' });
        const matches = singles.some((s) => { const a = ipValue(str(s.get(rc))); return a !== undefined && a.family === caller.family && a.v === caller.v; })
          || ranges.some((r) => r.f.family === caller.family && caller.v >= r.f.v && caller.v <= r.t.v);
        if (act === 'allow' ? !matches : matches) {
          throw new PolicyError({
            source: 'ip-filter', reason: act === 'allow' ? 'CallerIpNotAllowed' : 'CallerIpBlocked',
            message: `Caller IP address ${ip} is not allowed. Access denied.`, statusCode: 403, responseMessage: 'Forbidden',
          });
        }
        rc.note(`caller ${ip} ${act === 'allow' ? 'allowed' : 'not forbidden'}`);
      },
    };
  },
};

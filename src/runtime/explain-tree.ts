import type { DecisionRecord, SiteDecision } from './decision-log.js';

type GatewayDecision = Exclude<DecisionRecord, SiteDecision>;

/**
 * The decision records of `trustline explain` as a readable tree: one block per request, oldest first; a site
 * request made by a gateway's backend call is shown under that call.
 */
export function renderDecisions(records: DecisionRecord[]): string[] {
  const sites = records.filter((r): r is SiteDecision => r.kind === 'site');
  const claimed = new Set<SiteDecision>();
  const lines: string[] = [];
  for (const r of records) {
    if (r.kind === 'apim') {
      lines.push(...renderGateway(r, sites, claimed));
      lines.push('');
    }
  }
  for (const r of sites) {
    if (claimed.has(r)) continue;
    lines.push(...renderSite(r, ''));
    lines.push('');
  }
  if (lines.length === 0) return ['no requests recorded yet'];
  return lines.slice(0, -1);
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');

/**
 * The site request a gateway backend call made: same host and path, the status the call got, started within the
 * gateway request (a direct call to the site just after it is not its child).
 */
function childOf(g: GatewayDecision, url: string, status: number | undefined, sites: SiteDecision[], claimed: Set<SiteDecision>): SiteDecision | undefined {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  const start = Date.parse(g.time);
  const end = start + g.durationMs + 50;
  return sites.find((s) => {
    if (claimed.has(s) || (status !== undefined && s.status !== undefined && s.status !== status)) return false;
    const t = Date.parse(s.time);
    return t >= start - 5 && t <= end && s.path === target.pathname && s.host.split(':')[0]!.toLowerCase() === target.hostname.toLowerCase();
  });
}

function renderGateway(g: GatewayDecision, sites: SiteDecision[], claimed: Set<SiteDecision>): string[] {
  const out = [`${g.status} ${g.method} ${g.url}   apim ${g.service}   request ${g.requestId}   ${g.time}   ${g.durationMs} ms`];
  if (g.explanation) out.push(`├─ why: ${g.explanation}`);
  out.push(`├─ route: ${g.route.api ? `api ${g.route.api}, operation ${g.route.operation ?? '-'} (${g.route.urlTemplate ?? '-'})` : 'no API matched'}`);
  if (g.subscription) out.push(`├─ subscription: ${g.subscription.name} (${g.subscription.scope}${g.subscription.product ? `, product ${g.subscription.product}` : ''})`);
  for (const s of g.steps) {
    out.push(`├─ ${s.outcome === 'error' ? '✗' : s.outcome === 'skipped' ? '·' : '✓'} ${s.section} ${s.scope} ${s.path}${s.detail ? `: ${s.detail}` : ''}`);
  }
  for (const t of g.tokens) {
    const claims = t.claims ? ` aud=${String(t.claims['aud'])} appid=${String(t.claims['appid'] ?? t.claims['azp'])} oid=${String(t.claims['oid'])}` : '';
    out.push(`├─ ${t.error ? '✗' : '✓'} token for ${t.resource} (${t.identity}, cache ${t.cache})${claims}${t.error ? `: ${t.error}` : ''}`);
  }
  for (const b of g.backend) {
    out.push(`├─ ${b.error || (b.status ?? 0) >= 400 ? '✗' : '✓'} backend ${b.method} ${b.url} → ${b.status ?? '-'}${b.error ? ` (${b.error})` : ''}${b.ms !== undefined ? ` ${b.ms} ms` : ''}`);
    const child = childOf(g, b.url, b.status, sites, claimed);
    if (child) {
      claimed.add(child);
      out.push(...renderSite(child, '│  '));
    }
  }
  if (g.error) out.push(`├─ LastError: ${g.error.source} ${g.error.reason}: ${g.error.message}`);
  out.push(`└─ answered ${g.status}`);
  return out;
}

function renderSite(s: SiteDecision, indent: string): string[] {
  const out = [`${indent}${s.status ?? '-'} ${s.method} ${s.scheme}://${s.host}${s.path}   site ${s.site}   request ${s.requestId}   ${s.time}   ${s.durationMs} ms`];
  for (const st of s.steps) out.push(`${indent}├─ ${mark(st.ok)} ${st.step}: ${st.reason}`);
  if (s.principal) out.push(`${indent}├─ caller: ${Object.entries(s.principal).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (s.backend) out.push(`${indent}├─ ${s.backend.error ? '✗' : '✓'} function ${s.backend.url} → ${s.backend.status ?? '-'}${s.backend.error ? ` (${s.backend.error})` : ''} ${s.backend.ms} ms`);
  out.push(`${indent}└─ ${s.outcome}${s.status !== undefined ? `, answered ${s.status}` : ''}`);
  return out;
}

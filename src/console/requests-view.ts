import { renderDecisions, type DecisionRecord, type RequestGroup, type SiteDecision } from '../runtime/index.js';
import { html, type Html } from './html.js';

/**
 * The last requests, newest first, as `trustline explain --last N` gives them: status, the call, which hop refused
 * and why (the first failed check), and the whole decision tree on demand.
 */
export function requestsSection(groups: RequestGroup[], last: number): Html {
  const rows = [...groups].reverse();
  return html`<section id="requests"><h2>Last requests <small>(${rows.length} of the last ${last}; <a href="?last=${last * 2}#requests">more</a>)</small></h2>
${rows.length === 0
  ? html`<p>No requests yet. Call the gateway or a site; each answer carries <code>x-trustline-apim-request-id</code> / <code>x-trustline-site-request-id</code>.</p>`
  : html`<table><tr><th>time</th><th>status</th><th>request</th><th>decided by</th></tr>${rows.map(row)}</table>`}
</section>`;
}

function row(g: RequestGroup): Html {
  const top = g.top;
  const status = top.status ?? 0;
  const url = top.kind === 'apim' ? top.url : `${top.scheme}://${top.host}${top.path}`;
  const where = top.kind === 'apim' ? `apim ${top.service}` : `site ${top.site}`;
  const verdict = decidedBy(g);
  return html`<tr class="${status >= 400 || status === 0 ? 'bad' : 'ok'}"><td>${top.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</td><td>${top.status ?? '-'}</td>
<td><details><summary><code>${top.method} ${url}</code> <small>${where} · ${top.requestId}</small></summary><pre>${renderDecisions([top, ...g.hops]).join('\n')}</pre></details>${
  g.replayable ? html` <a class="replay" href="?${new URLSearchParams({ replay: top.requestId }).toString()}#composer">replay</a>` : ''}</td>
<td>${verdict}</td></tr>`;
}

/** Which hop decided a refused request and why; for an answered one, who answered. */
export function decidedBy(g: RequestGroup): string {
  const failedSite = (s: DecisionRecord | undefined): string | undefined => {
    if (!s || s.kind !== 'site') return undefined;
    const step = s.steps.find((st) => !st.ok);
    if (step) return `site ${s.site}, ${step.step}: ${step.reason}`;
    if (s.backend?.error) return `site ${s.site}, function: ${s.backend.error}`;
    return undefined;
  };
  const top = g.top;
  if (top.kind === 'site') return failedSite(top) ?? `site ${top.site}: ${top.outcome}${top.backend ? `, function answered ${top.backend.status ?? '-'}` : ''}`;
  const hop = g.hops.map((h) => failedSite(h as SiteDecision)).find(Boolean);
  if (top.status < 400) return `apim ${top.service} → ${g.hops.length ? `site ${(g.hops[0] as SiteDecision).site}` : 'backend'}: answered ${top.status}`;
  if (hop) return hop;
  const step = top.steps.find((s) => s.outcome === 'error');
  if (top.explanation) return `apim ${top.service}: ${top.explanation}`;
  if (step) return `apim ${top.service}, ${step.section} ${step.path}${step.detail ? `: ${step.detail}` : ''}`;
  return `apim ${top.service}: answered ${top.status}`;
}

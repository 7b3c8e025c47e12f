import { DECISION_LOG_CAPACITY as MAX_KEPT, MAX_CAPTURED_BODY, MAX_SHOWN_BODY, renderDecisions, type ReplayView, type ChainView, type EasyAuthSummary, type ComposedRequest, type ComposedResult, type DirectoryView } from '../runtime/index.js';
import { html, type Html } from './html.js';
import { decidedBy } from './requests-view.js';

/** The composer's form as the user left it (or as a chain view's "try" link fills it). */
export interface ComposerForm {
  target: string;
  scheme: 'http' | 'https';
  method: string;
  path: string;
  headers: string;
  tokenFor: string;
  resource: string;
  body: string;
}

export const EMPTY_FORM: ComposerForm = { target: '', scheme: 'https', method: 'GET', path: '/', headers: '', tokenFor: '', resource: '', body: '' };

/** Form fields (a POST body or a "try" link's query) → the form; unknown fields are ignored. */
export function formOf(fields: URLSearchParams): ComposerForm {
  const get = (name: string, fallback: string) => fields.get(name) ?? fallback;
  return {
    target: get('target', EMPTY_FORM.target),
    scheme: fields.get('scheme') === 'http' ? 'http' : 'https',
    method: get('method', EMPTY_FORM.method),
    path: get('path', EMPTY_FORM.path),
    headers: get('headers', ''),
    tokenFor: get('token-for', ''),
    resource: get('resource', ''),
    body: get('body', ''),
  };
}

/** The form → the request the runtime sends; a header line without `:` is an error naming that line. */
export function requestOf(form: ComposerForm): ComposedRequest | { error: string } {
  const headers: Array<[string, string]> = [];
  const lines = form.headers.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `Header line ${i + 1} is not 'Name: value': ${line}` };
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return {
    target: form.target,
    scheme: form.scheme,
    method: form.method,
    path: form.path,
    headers,
    body: form.body,
    ...(form.tokenFor ? { tokenFor: form.tokenFor, resource: form.resource } : {}),
  };
}

/**
 * The form a past request fills (a "replay" link of the last requests): its target, scheme, method, path and query,
 * headers and body, as the twin kept them without their secrets; no token attached (the composer can mint one).
 */
export function replayForm(view: ReplayView): ComposerForm {
  const r = view.request;
  return {
    ...EMPTY_FORM,
    target: view.target,
    scheme: r.scheme,
    method: r.method,
    path: r.path,
    headers: r.headers.map(([k, v]) => `${k}: ${v}`).join('\n'),
    body: r.body,
  };
}

/** What the composer says above a replayed request: which request, and what of it is not sent again. */
export function replayNote(requestId: string, view: ReplayView | undefined): Html {
  if (!view) return html`<p class="bad" id="replay-note">The twin no longer keeps request <code>${requestId}</code> (it keeps the last ${MAX_KEPT} requests), or it was not a request from outside.</p>`;
  const r = view.request;
  return html`<p id="replay-note">Replaying request <code>${requestId}</code> (<code>${r.method} ${view.url}</code>).${
    r.left.length ? html` Left out (secrets): ${r.left.join(', ')}; attach a token of the twin below instead.` : ''}${
    r.bodyIncomplete ? html` The body was ${r.bodyBytes} bytes; the twin kept the first ${MAX_CAPTURED_BODY / 1024} KiB of it${r.left.includes('the body (not UTF-8 text)') ? ', which is not text: the body is left empty' : ''}.` : ''}</p>`;
}

/** A "try" link of the chain view: the composer filled with that operation or route. */
export function tryLink(target: string, method: string, path: string, resource: string | undefined): Html {
  const q = new URLSearchParams({ target, method, path, ...(resource ? { resource } : {}) });
  return html`<a class="try" href="?${q.toString()}#composer">try</a>`;
}

/** The audience a caller's token needs at a site (its first allowed audience, else its client id). */
export function audienceOf(ea: EasyAuthSummary | undefined): string | undefined {
  return ea?.allowedAudiences[0] ?? ea?.clientId;
}

/** The audience of the site an API's backend names. */
export function siteAudience(chain: ChainView, site: string | undefined): string | undefined {
  return audienceOf(chain.sites.find((s) => s.name === site)?.easyAuth);
}

/**
 * The request composer: a plain form POSTed to the console (no script), with the console's CSRF token. It sends the
 * request through the gateway's or the site's listener and shows the status, headers, body and the request's
 * decision records; a token it mints is shown only truncated.
 */
export function composerSection(chain: ChainView, directory: DirectoryView, form: ComposerForm, csrf: string, result: ComposedResult | { error: string } | undefined, note: Html | '' = ''): Html {
  const selected = (v: string, current: string) => (v === current ? html` selected` : '');
  const targets = html`<optgroup label="API Management">${chain.services.map((s) => html`<option value="apim:${s.name}"${selected(`apim:${s.name}`, form.target)}>APIM ${s.name} (${s.hostName})</option>`)}</optgroup>
<optgroup label="Sites">${chain.sites.map((s) => html`<option value="site:${s.name}"${selected(`site:${s.name}`, form.target)}>site ${s.name} (${s.hostName})</option>`)}</optgroup>`;
  const principals = html`<option value="">(no token)</option>
<optgroup label="Applications (client credentials)">${directory.applications.map((a) => html`<option value="app:${a.appId}"${selected(`app:${a.appId}`, form.tokenFor)}>${a.displayName} (${a.appId})</option>`)}</optgroup>
<optgroup label="Managed identities">${directory.managedIdentities.map((m) => html`<option value="mi:${m.clientId}"${selected(`mi:${m.clientId}`, form.tokenFor)}>${m.displayName} (${m.clientId})</option>`)}</optgroup>`;
  return html`<section id="composer"><h2>Try a request</h2>
<p><small>Sent to the Azure host name of the gateway or the site, through the twin's own listeners, as a client on this machine would; pick an operation with <em>try</em> in the chain above, or a past request with <em>replay</em> in the last requests.</small></p>
${note}
<form method="post" action="/#composer" class="composer">
<input type="hidden" name="csrf" value="${csrf}">
<label>Send to <select name="target">${targets}</select></label>
<label>over <select name="scheme"><option value="https"${selected('https', form.scheme)}>https</option><option value="http"${selected('http', form.scheme)}>http</option></select></label>
<label>Method <input name="method" value="${form.method}" size="8"></label>
<label>Path <input name="path" value="${form.path}" size="60"></label>
<label>Headers <small>(one <code>Name: value</code> a line)</small><textarea name="headers" rows="3" cols="80">${form.headers}</textarea></label>
<label>Attach a token for <select name="token-for">${principals}</select></label>
<label>minted for the resource (audience) <input name="resource" value="${form.resource}" size="60"></label>
<label>Body<textarea name="body" rows="3" cols="80">${form.body}</textarea></label>
<button type="submit">Send</button>
</form>
${result ? resultBlock(result) : ''}
</section>`;
}

function resultBlock(r: ComposedResult | { error: string }): Html {
  if (!('url' in r)) return html`<div class="card bad" id="composer-result"><p>${r.error}</p></div>`;
  const status = r.status;
  return html`<div class="card" id="composer-result">
<h3 class="${status === undefined || status >= 400 ? 'bad' : ''}">${status ?? 'no answer'} <small><code>${r.method} ${r.url}</code></small></h3>
${r.token ? html`<p>Token for <code>${r.token.for}</code> (resource <code>${r.token.resource}</code>, expires ${r.token.expiresOn}): <code>${r.token.preview}</code></p>` : ''}
${r.error ? html`<p class="bad">${r.error}</p>` : ''}
${r.sent.length ? html`<details><summary>Sent headers (${r.sent.length})</summary><table class="kv">${r.sent.map(([k, v]) => html`<tr><th>${k}</th><td><code>${v}</code></td></tr>`)}</table></details>` : ''}
${r.decisions.length ? html`<p>Decided by: ${decidedBy({ top: r.decisions[0]!, hops: r.decisions.slice(1) })}</p>` : ''}
${r.headers.length ? html`<table class="kv">${r.headers.map(([k, v]) => html`<tr><th>${k}</th><td><code>${v}</code></td></tr>`)}</table>` : ''}
${status !== undefined ? html`<p><small>Body: ${r.bodyBytes} bytes${r.truncated ? `, the first ${MAX_SHOWN_BODY / 1024} KiB shown` : ''}</small></p><pre>${r.body}</pre>` : ''}
${r.decisions.length ? html`<h4>Decision record</h4><pre class="decisions">${renderDecisions(r.decisions).join('\n')}</pre>` : ''}
</div>`;
}

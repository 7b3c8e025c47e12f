import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import type { ComposedResult, ConsoleHandler, ConsoleSource } from '../runtime/index.js';
import { composerSection, EMPTY_FORM, formOf, replayForm, replayNote, requestOf, type ComposerForm } from './composer-view.js';
import { admitConsole, sameSecret } from './console-auth.js';
import { chainSection } from './chain-view.js';
import { keysSection } from './keys-view.js';
import { directorySection } from './directory-view.js';
import { requestsSection } from './requests-view.js';
import { Html, html } from './html.js';

export { escapeHtml } from './html.js';

/** How many requests the console shows by default, and at most (`?last=N`). */
const DEFAULT_LAST = 20;
const MAX_LAST = 1000;

/**
 * The web console at the control plane's `/` (ARCHITECTURE: `console/`): views of what the CLI can tell — the chain
 * (APIM APIs → sites → their Easy Auth settings), the last requests with the hop that decided each and why
 * (`trustline explain`), the signing keys, the directory (names and ids) and the resources — and a request composer
 * (composer-view.ts: `POST /`, a plain form) that sends a request through the gateway's or a site's listener and shows
 * its answer and decision record. Security (docs/security.md): every value is escaped (html.ts), the page runs no
 * script (CSP `default-src 'none'`, forms only to itself), may not be framed, is never cached, shows no secret (key
 * values, client secrets; tokens only truncated), opens only with the link's secret while the control plane needs
 * authentication (console-auth.ts); a composer POST needs this console's CSRF token and its own origin; the control
 * plane's Host guard (DNS rebinding) runs first.
 */
export function createConsole(source: ConsoleSource): ConsoleHandler {
  const csrf = csrfTokenOf(source.consoleKey);
  const show = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the composer's POST, which the
      // CSRF check then cannot tell from a sandboxed page's; nothing leaves for another origin either way.
      'referrer-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    res.end(body);
  };
  const render = (url: URL, form: ComposerForm, result?: ComposedResult | { error: string }, note: Html | '' = '') => {
    const asked = Number.parseInt(url.searchParams.get('last') ?? '', 10);
    const last = Number.isFinite(asked) && asked > 0 ? Math.min(asked, MAX_LAST) : DEFAULT_LAST;
    const ready = source.ready();
    const chain = source.chain();
    const directory = source.directory();
    return page(html`
<nav><a href="#chain">Chain</a> · <a href="#composer">Try a request</a> · <a href="#requests">Last requests</a> · <a href="#keys">Signing keys</a> · <a href="#directory">Directory</a> · <a href="#resources">Resources</a></nav>
<p><small>Tenant <code>${ready.tenantId}</code> · subscription <code>${ready.subscriptionId}</code> · resource group <code>${ready.resourceGroup}</code> · control plane ${ready.controlPlane}</small></p>
${chainSection(chain)}
${composerSection(chain, directory, form, csrf, result, note)}
${requestsSection(source.requests(last), last)}
${keysSection(source.signingKeys(), Date.now())}
${directorySection(directory)}
${resourcesSection(source.resources())}`).text;
  };
  return (req, res) => {
    if (!admitConsole(req, res, source.consoleKey, () => page(html`<p>This console opens from its link: the <code>console</code> entry of the twin's ready file, which <code>trustline up</code> prints.</p>`).text)) return;
    const url = new URL(req.url ?? '/', 'http://console');
    if (req.method !== 'POST') {
      // A "replay" link of the last requests: the composer filled with that request (its secrets left out).
      const replayId = url.searchParams.get('replay');
      if (replayId !== null) {
        const view = source.replay(replayId);
        return show(res, 200, render(url, view ? replayForm(view) : EMPTY_FORM, undefined, replayNote(replayId, view)));
      }
      return show(res, 200, render(url, url.searchParams.has('target') ? formOf(url.searchParams) : EMPTY_FORM));
    }
    const refused = composeRefusal(req);
    if (refused) {
      req.resume();
      return show(res, 403, page(html`<p class="bad">${refused}</p>`).text);
    }
    void readForm(req).then(
      async (fields) => {
        if (fields === undefined) return show(res, 413, page(html`<p class="bad">The form is larger than ${MAX_FORM_BYTES / 1024} KiB.</p>`).text);
        if (!sameSecret(fields.get('csrf') ?? '', csrf)) return show(res, 403, page(html`<p class="bad">The form is not this console's (its CSRF token does not match): reload the console and send again.</p>`).text);
        const form = formOf(fields);
        const request = requestOf(form);
        const result = 'error' in request ? request : await source.send(request);
        show(res, 200, render(url, form, result));
      },
      () => res.destroy(),
    );
  };
}

/** The largest composer form the console reads (docs/limits.md). */
const MAX_FORM_BYTES = 256 * 1024;

/**
 * The composer's CSRF token: derived from the console's link secret (or, with an open control plane, a secret of this
 * process), so a page elsewhere cannot know it; the form carries it, the POST must give it back.
 */
function csrfTokenOf(key: string | undefined): string {
  return createHmac('sha256', key ?? randomBytes(32)).update('trustline console composer').digest('base64url');
}

/**
 * A POST from another site is refused before its form is read: browsers say where a form comes from (`Origin`,
 * `Sec-Fetch-Site`); it must be this console's own origin. The CSRF token is checked after.
 */
function composeRefusal(req: IncomingMessage): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `A form from another site (Sec-Fetch-Site: ${site}) may not send requests.`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return 'The Origin header does not read.';
    }
    if (host.toLowerCase() !== (req.headers.host ?? '').toLowerCase()) return `A form from ${origin} may not send requests.`;
  } else if (origin === 'null') return 'A form from an opaque origin may not send requests.';
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return `The composer takes application/x-www-form-urlencoded (got '${type}').`;
  return undefined;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function resourcesSection(resources: ReturnType<ConsoleSource['resources']>): Html {
  return html`<section id="resources"><h2>Resources <small>(${resources.length})</small></h2>
<table><tr><th>type</th><th>name</th></tr>${resources.map((r) => html`<tr><td>${r.type}</td><td>${r.name}</td></tr>`)}</table></section>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}h2{border-bottom:1px solid #ccc;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.card{border:1px solid #ccc;border-radius:4px;padding:.2em .8em;margin:.8em 0}tr.bad td{background:#fff1f0}
tr.ok td:first-child{border-left:3px solid #3a3}tr.bad td:first-child{border-left:3px solid #c33}.bad{color:#a00}
pre{background:#f8f8f8;padding:.5em;overflow-x:auto;white-space:pre-wrap}form.composer label{display:block;margin:.3em 0}form.composer textarea{display:block;font:12px monospace}a.try{font-size:85%}small{color:#666}code{font-size:90%}`;

function page(content: Html): Html {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Trustline console</title><style>${new Html(STYLE)}</style></head>
<body><h1>Trustline</h1>${content}</body></html>`;
}

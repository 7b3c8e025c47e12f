import type { ConsoleHandler, ConsoleSource } from '../runtime/index.js';
import { admitConsole } from './console-auth.js';
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
 * The web console at the control plane's `/` (ARCHITECTURE: `console/`): read-only views of what the CLI can tell —
 * the chain (APIM APIs → sites → their Easy Auth settings), the last requests with the hop that decided each and why
 * (`trustline explain`), the signing keys, the directory (names and ids) and the resources. Security (docs/security.md): every value is escaped
 * (html.ts), the page runs no script (CSP `default-src 'none'`), may not be framed, is never cached, shows no secret
 * (key values, client secrets and tokens are not in its source), and opens only with the link's secret while the
 * control plane needs authentication (console-auth.ts); the control plane's Host guard (DNS rebinding) runs first.
 */
export function createConsole(source: ConsoleSource): ConsoleHandler {
  return (req, res) => {
    if (!admitConsole(req, res, source.consoleKey, () => page(html`<p>This console opens from its link: the <code>console</code> entry of the twin's ready file, which <code>trustline up</code> prints.</p>`).text)) return;
    const asked = Number.parseInt(new URL(req.url ?? '/', 'http://console').searchParams.get('last') ?? '', 10);
    const last = Number.isFinite(asked) && asked > 0 ? Math.min(asked, MAX_LAST) : DEFAULT_LAST;
    const ready = source.ready();
    const body = page(html`
<nav><a href="#chain">Chain</a> · <a href="#requests">Last requests</a> · <a href="#keys">Signing keys</a> · <a href="#directory">Directory</a> · <a href="#resources">Resources</a></nav>
<p><small>Tenant <code>${ready.tenantId}</code> · subscription <code>${ready.subscriptionId}</code> · resource group <code>${ready.resourceGroup}</code> · control plane ${ready.controlPlane}</small></p>
${chainSection(source.chain())}
${requestsSection(source.requests(last), last)}
${keysSection(source.signingKeys(), Date.now())}
${directorySection(source.directory())}
${resourcesSection(source.resources())}`).text;
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    res.end(body);
  };
}

function resourcesSection(resources: ReturnType<ConsoleSource['resources']>): Html {
  return html`<section id="resources"><h2>Resources <small>(${resources.length})</small></h2>
<table><tr><th>type</th><th>name</th></tr>${resources.map((r) => html`<tr><td>${r.type}</td><td>${r.name}</td></tr>`)}</table></section>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}h2{border-bottom:1px solid #ccc;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.card{border:1px solid #ccc;border-radius:4px;padding:.2em .8em;margin:.8em 0}tr.bad td{background:#fff1f0}
tr.ok td:first-child{border-left:3px solid #3a3}tr.bad td:first-child{border-left:3px solid #c33}.bad{color:#a00}
pre{background:#f8f8f8;padding:.5em;overflow-x:auto}small{color:#666}code{font-size:90%}`;

function page(content: Html): Html {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Trustline console</title><style>${new Html(STYLE)}</style></head>
<body><h1>Trustline</h1>${content}</body></html>`;
}

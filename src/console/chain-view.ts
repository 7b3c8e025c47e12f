import type { ChainView, EasyAuthSummary, SiteChainView } from '../runtime/index.js';
import { html, type Html } from './html.js';
import { audienceOf, siteAudience, tryLink } from './composer-view.js';

/** The custom domains beside the default host name. */
const also = (names: string[] | undefined): Html | string => (names && names.length > 0 ? html`, ${names.join(', ')}` : '');

const list = (values: string[] | undefined, none: string): Html | string => (values === undefined ? none : values.length === 0 ? '(empty list)' : html`${values.map((v, i) => html`${i > 0 ? ', ' : ''}<code>${v}</code>`)}`);

/**
 * The chain as the twin serves it: each APIM service with its identity and APIs (and the site each API's backend
 * names), then each site with the Easy Auth settings a caller's token meets and its functions' key requirements.
 */
export function chainSection(chain: ChainView): Html {
  return html`<section id="chain"><h2>Chain</h2>
${chain.services.length === 0 ? html`<p>No API Management service is deployed.</p>` : chain.services.map((s) => serviceBlock(s, chain))}
${chain.sites.length === 0 ? html`<p>No site is deployed.</p>` : chain.sites.map(siteBlock)}
</section>`;
}

function serviceBlock(s: ChainView['services'][number], chain: ChainView): Html {
  return html`<div class="card"><h3>APIM <code>${s.name}</code> <small>${s.hostName}${also(s.customHostNames)} → ${s.gatewayUrl}</small></h3>
<p>Managed identity: ${s.principalId ? html`principal <code>${s.principalId}</code>, client <code>${s.clientId ?? '-'}</code>` : 'none'}</p>
<table><tr><th>API</th><th>path</th><th>operations</th><th>backend</th></tr>
${s.apis.map(
  (a) => html`<tr><td>${a.name}</td><td><code>/${a.path}</code></td><td>${a.operations.map((o, i) => html`${i > 0 ? html`<br>` : ''}<code>${o.method} ${o.urlTemplate}</code> ${tryLink(`apim:${s.name}`, o.method, `${a.path ? `/${a.path}` : ''}${o.urlTemplate}`, siteAudience(chain, a.site))}`)}</td>
<td>${a.serviceUrl ? html`<code>${a.serviceUrl}</code>` : '(none)'}${a.site ? html` → site <a href="#site-${a.site}">${a.site}</a>` : ''}</td></tr>`,
)}</table></div>`;
}

function siteBlock(s: SiteChainView): Html {
  return html`<div class="card" id="site-${s.name}"><h3>Site <code>${s.name}</code> <small>${s.hostName}${also(s.customHostNames)} → ${s.url}</small> ${tryLink(`site:${s.name}`, 'GET', '/', audienceOf(s.easyAuth))}</h3>
${s.principalId ? html`<p>Managed identity: principal <code>${s.principalId}</code></p>` : ''}
${easyAuthBlock(s.easyAuth)}
${s.functions.length === 0 ? '' : html`<table><tr><th>function</th><th>route</th><th>authLevel</th><th>its keys</th></tr>${s.functions.map((f) => html`<tr><td>${f.name}</td><td><code>api/${f.route}</code> ${tryLink(`site:${s.name}`, 'GET', `/api/${f.route}`, audienceOf(s.easyAuth))}</td><td>${f.authLevel}</td><td>${f.keyNames.join(', ') || '(none)'}</td></tr>`)}</table>`}
${s.hostKeys ? html`<p>Host keys: ${s.hostKeys.master ? 'master' : ''}${s.hostKeys.master && s.hostKeys.functionKeyNames.length ? ', ' : ''}${s.hostKeys.functionKeyNames.join(', ')}${!s.hostKeys.master && s.hostKeys.functionKeyNames.length === 0 ? 'not read yet (minted on the first listKeys)' : ''} <small>(values: <code>az functionapp keys list</code>)</small></p>` : ''}
</div>`;
}

function easyAuthBlock(a: EasyAuthSummary | undefined): Html {
  if (!a) return html`<p>Easy Auth: not configured (every request reaches the function).</p>`;
  if (a.error) return html`<p class="bad">Easy Auth settings do not read: ${a.error}</p>`;
  if (!a.enabled) return html`<p>Easy Auth: off (<code>platform.enabled: false</code>).</p>`;
  return html`<table class="kv">
<tr><th>Easy Auth</th><td>on; ${a.requireAuthentication ? html`unauthenticated requests: <code>${a.unauthenticatedClientAction}</code>` : 'anonymous requests allowed'}</td></tr>
<tr><th>issuer</th><td>${a.issuer ? html`<code>${a.issuer}</code>` : '(none)'}</td></tr>
<tr><th>client id</th><td>${a.clientId ? html`<code>${a.clientId}</code>` : '(none)'}</td></tr>
<tr><th>allowed audiences</th><td>${list(a.allowedAudiences, '(client id only)')}</td></tr>
<tr><th>allowed applications</th><td>${list(a.allowedApplications, '(any)')}</td></tr>
<tr><th>allowed identities</th><td>${list(a.allowedIdentities, '(any)')}</td></tr>
${a.allowedGroups ? html`<tr><th>allowed groups</th><td>${list(a.allowedGroups, '(any)')}</td></tr>` : ''}
${a.excludedPaths.length ? html`<tr><th>excluded paths</th><td>${list(a.excludedPaths, '')}</td></tr>` : ''}
</table>`;
}

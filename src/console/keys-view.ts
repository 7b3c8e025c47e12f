import type { ConsoleSource } from '../runtime/index.js';
import { html, type Html } from './html.js';

/** The token-signing keys (what `trustline keys list` prints): key ids and times, never key material. */
export function keysSection(keys: ReturnType<ConsoleSource['signingKeys']>, now: number): Html {
  const state = (k: (typeof keys.keys)[number]) => {
    if (k.kid === keys.signingKid) return 'signing';
    if (Date.parse(k.activatesAt) > now) return 'published, signs from its activation';
    return k.removeAt ? 'retired, still published until removal' : 'published';
  };
  return html`<section id="keys"><h2>Signing keys</h2>
<table><tr><th>kid</th><th>state</th><th>published</th><th>signs from</th><th>removed at</th></tr>
${keys.keys.map((k) => html`<tr class="${k.kid === keys.signingKid ? 'ok' : ''}"><td><code>${k.kid}</code></td><td>${state(k)}</td><td>${k.publishedAt}</td><td>${k.activatesAt}</td><td>${k.removeAt ?? '-'}</td></tr>`)}
</table><p><small>Rotate with <code>trustline keys rotate</code>; the JWKS the sites read publishes every key in this table.</small></p></section>`;
}

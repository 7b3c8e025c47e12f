import type { DirectoryView } from '../runtime/index.js';
import { html, type Html } from './html.js';

/** The twin's Entra ID: app registrations, managed identities, users, groups, app role assignments (names and ids; credentials only counted). */
export function directorySection(d: DirectoryView): Html {
  return html`<section id="directory"><h2>Directory</h2>
<h3>Applications <small>(${d.applications.length})</small></h3>
<table><tr><th>name</th><th>appId (client id)</th><th>identifier URIs</th><th>tokens</th><th>app roles</th><th>credentials</th></tr>
${d.applications.map((a) => html`<tr><td>${a.displayName}${a.origin ? html`<br><small>${a.origin}</small>` : ''}</td><td><code>${a.appId}</code></td><td>${a.identifierUris.join(' ') || '-'}</td><td>v${a.tokenVersion}</td><td>${a.appRoles.join(', ') || '-'}</td><td>${a.secrets} secret(s), ${a.certificates} certificate(s)</td></tr>`)}
</table>
<h3>Managed identities <small>(${d.managedIdentities.length})</small></h3>
<table><tr><th>name</th><th>client id</th><th>principal (object) id</th><th>resource</th></tr>
${d.managedIdentities.map((m) => html`<tr><td>${m.displayName}</td><td><code>${m.clientId}</code></td><td><code>${m.principalId}</code></td><td>${m.resourceId ?? '-'}</td></tr>`)}
</table>
${d.users.length ? html`<h3>Users <small>(${d.users.length})</small></h3><table><tr><th>user principal name</th><th>name</th><th>object id</th></tr>${d.users.map((u) => html`<tr><td>${u.userPrincipalName}</td><td>${u.displayName}</td><td><code>${u.objectId}</code></td></tr>`)}</table>` : ''}
${d.groups.length ? html`<h3>Groups <small>(${d.groups.length})</small></h3><table><tr><th>name</th><th>object id</th><th>members</th></tr>${d.groups.map((g) => html`<tr><td>${g.displayName}</td><td><code>${g.objectId}</code></td><td>${g.members}</td></tr>`)}</table>` : ''}
${d.appRoleAssignments.length ? html`<h3>App role assignments <small>(${d.appRoleAssignments.length})</small></h3><table><tr><th>who</th><th>on</th><th>role</th></tr>${d.appRoleAssignments.map((r) => html`<tr><td>${r.principal}</td><td>${r.resource}</td><td>${r.role}</td></tr>`)}</table>` : ''}
</section>`;
}

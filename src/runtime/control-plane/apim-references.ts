import type { ResourceRecord, Store } from '../../state/index.js';

const NS = 'microsoft.apimanagement/service';
const POLICY_TYPES = new Set([`${NS}/policies`, `${NS}/apis/policies`, `${NS}/apis/operations/policies`, `${NS}/products/policies`, `${NS}/policyfragments`]);

/** The service id of an APIM child resource id (`…/service/{name}`). */
function serviceIdOf(id: string): string {
  const at = id.toLowerCase().indexOf('/providers/microsoft.apimanagement/service/');
  return id.slice(0, at) + id.slice(at).split('/').slice(0, 5).join('/');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The policy text of a policy or fragment record (a `*-link` policy keeps what it read in `listResults.content`). */
function policyText(r: ResourceRecord): string {
  const content = r.listResults?.['content'];
  if (typeof content === 'string') return content;
  const value = r.properties['value'];
  return typeof value === 'string' ? value : '';
}

/**
 * The policies and fragments of the same APIM service that use the named value or policy fragment `target`
 * (`{{displayName}}`, `<include-fragment fragment-id="…">`), as service-relative paths (`/apis/echo/policies/policy`).
 * APIM refuses to delete a named value or a fragment still in use (docs/behaviour/arm-rest.md, "What deploys is
 * what runs"); other types answer an empty list.
 */
export function apimReferencesTo(store: Store, target: ResourceRecord): string[] {
  const type = target.type.toLowerCase();
  let pattern: RegExp;
  if (type === `${NS}/namedvalues`) {
    const name = String(target.properties['displayName'] ?? target.name.split('/').pop());
    pattern = new RegExp(`\\{\\{\\s*${escapeRegExp(name)}\\s*\\}\\}`, 'i');
  } else if (type === `${NS}/policyfragments`) {
    const name = target.name.split('/').pop()!;
    pattern = new RegExp(`<include-fragment\\b[^>]*\\bfragment-id\\s*=\\s*["']${escapeRegExp(name)}["']`, 'i');
  } else {
    return [];
  }
  const serviceId = serviceIdOf(target.id);
  return store
    .listResources({ idPrefix: serviceId + '/' })
    .filter((r) => POLICY_TYPES.has(r.type.toLowerCase()) && r.id.toLowerCase() !== target.id.toLowerCase() && pattern.test(policyText(r)))
    .map((r) => r.id.slice(serviceId.length));
}

/** APIM's answer to deleting what a policy still uses (observed for fragments; the same shape for named values). */
export function inUseMessage(target: ResourceRecord, users: string[]): string {
  const what = target.type.toLowerCase() === `${NS}/namedvalues` ? 'Named Value' : 'Policy Fragment';
  return `The ${what} '${target.name.split('/').pop()}' is used by the following entities:\r\n${users.join('\r\n')}\r\n`;
}

import { TwinError } from '../core/index.js';
import type { ReadyInfo } from '../runtime/index.js';
import { adminCall } from './identity-admin-client.js';

/** A system-assigned managed identity of the running twin, as a refusal lists it for the user to pick. */
export interface IdentityCandidate {
  /** The resource's name (what `--identity NAME` takes for an APIM service or a site). */
  name: string;
  clientId: string;
  /** The resource type (`Microsoft.ApiManagement/service`, `Microsoft.Web/sites`, …), when its id says it. */
  type?: string;
}

const USER_ASSIGNED = /\/providers\/microsoft\.managedidentity\/userassignedidentities\//i;

/** `Microsoft.X/type[/child…]` of an ARM resource id (the part after its last `/providers/`). */
function typeOf(resourceId: string): string | undefined {
  const at = resourceId.toLowerCase().lastIndexOf('/providers/');
  if (at < 0) return undefined;
  const parts = resourceId.slice(at + '/providers/'.length).split('/');
  if (parts.length < 3) return undefined;
  const types = [`${parts[0]}/${parts[1]}`];
  for (let i = 3; i + 1 < parts.length; i += 2) types.push(parts[i]!);
  return types.join('/');
}

/**
 * The twin's system-assigned managed identities (from its directory listing), by name then client id; undefined when
 * the twin does not answer the listing (the caller then keeps the refusal it has).
 */
export async function systemAssignedIdentities(ready: ReadyInfo): Promise<IdentityCandidate[] | undefined> {
  let listed: Awaited<ReturnType<typeof adminCall>>;
  try {
    listed = await adminCall(ready, 'GET', 'directory');
  } catch {
    return undefined;
  }
  if (listed.status !== 200) return undefined;
  const all = (listed.json.managedIdentities ?? []) as Array<{ displayName: string; clientId: string; resourceId?: string }>;
  return all
    .filter((m) => !USER_ASSIGNED.test(m.resourceId ?? ''))
    .map((m) => {
      const type = m.resourceId ? typeOf(m.resourceId) : undefined;
      return { name: m.displayName, clientId: m.clientId, ...(type ? { type } : {}) };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.clientId.localeCompare(b.clientId));
}

/** One line per candidate: name, client id, resource type. */
export function candidateLines(candidates: readonly IdentityCandidate[]): string[] {
  const width = Math.max(...candidates.map((c) => c.name.length));
  return candidates.map((c) => `  ${c.name.padEnd(width)}  client id ${c.clientId}${c.type ? `  (${c.type})` : ''}`);
}

/**
 * The refusal of a command that needs one identity when several match (ERR_CLI_IDENTITY_AMBIGUOUS, a usage error: the
 * command line must say which): the candidates, and the flag that picks one. `what`: what matched (e.g. "the twin has
 * 2 system-assigned managed identities").
 */
export function ambiguousIdentity(what: string, command: string, candidates: readonly IdentityCandidate[]): TwinError {
  const names = candidates.map((c) => c.name.toLowerCase());
  const sameName = names.some((n, i) => names.indexOf(n) !== i);
  return new TwinError(
    'ERR_CLI_IDENTITY_AMBIGUOUS',
    `${what}, and \`trustline ${command}\` needs one: pick it with --identity NAME or --identity CLIENT_ID${sameName ? ' (a name two of them share: use the client id)' : ''}:\n${candidateLines(candidates).join('\n')}`,
    { details: { candidates } },
  );
}

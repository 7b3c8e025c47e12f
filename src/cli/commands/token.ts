import { TwinError } from '../../core/index.js';
import { readReadyFile } from '../ready-file.js';
import type { ReadyInfo } from '../../runtime/index.js';
import { jsonOption, readyFileOption, type RegisterCommand } from '../context.js';

export interface TokenOptions {
  resource: string;
  identity?: string;
  readyFile: string;
  /** Print the endpoint's whole answer (JSON) instead of the token alone. */
  json?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Which endpoint and selector: an APIM service or site name → that resource's own managed identity
 * endpoint (its system-assigned identity, as IDENTITY_ENDPOINT is in Azure); a GUID → `client_id`
 * on the shared endpoint; nothing → the shared endpoint (the only managed identity answers). A name that an APIM
 * service and a site share is ambiguous (`ambiguous` lists them).
 */
async function target(ready: ReadyInfo, identity: string | undefined): Promise<{ endpoint: string; query: string }> {
  if (!identity) return { endpoint: ready.identity.identityEndpoint, query: '' };
  const named = [...Object.entries(ready.apim), ...Object.entries(ready.sites)].filter(([n]) => n.toLowerCase() === identity.toLowerCase());
  if (named.length > 1 && named.filter(([, r]) => r.identityEndpoint).length > 1) {
    const { systemAssignedIdentities, ambiguousIdentity } = await import('../identity-candidates.js');
    const all = (await systemAssignedIdentities(ready)) ?? [];
    const same = all.filter((c) => c.name.toLowerCase() === identity.toLowerCase());
    throw ambiguousIdentity(`an APIM service and a site are both named ${identity}, each with a system-assigned identity`, 'token', same);
  }
  const found = named.find(([, r]) => r.identityEndpoint) ?? named[0];
  if (found) {
    const endpoint = found[1].identityEndpoint;
    if (!endpoint) throw new TwinError('ERR_CLI_IDENTITY', `${identity} has no system-assigned managed identity`);
    return { endpoint, query: '' };
  }
  if (GUID.test(identity)) return { endpoint: ready.identity.identityEndpoint, query: `&client_id=${encodeURIComponent(identity)}` };
  throw new TwinError('ERR_CLI_IDENTITY', `no identity named ${identity}: give an APIM service or site name, or a client id`);
}

/** `trustline token`: an access token from the running twin's managed identity endpoint. */
export async function token(opts: TokenOptions, out: (l: string) => void): Promise<number> {
  const ready = readReadyFile(opts.readyFile);
  const t = await target(ready, opts.identity);
  const url = `${t.endpoint}?api-version=2019-08-01&resource=${encodeURIComponent(opts.resource)}${t.query}`;
  const res = await fetch(url, { headers: { 'X-IDENTITY-HEADER': ready.identity.identityHeader } });
  const body = (await res.json()) as { access_token?: string; message?: string; error_description?: string; expires_on?: string; resource?: string; token_type?: string; client_id?: string };
  if (!res.ok && !opts.identity && res.status === 400) {
    // The shared endpoint answers for the only system-assigned identity: with several, say which there are and how to pick.
    const { systemAssignedIdentities, ambiguousIdentity } = await import('../identity-candidates.js');
    const candidates = await systemAssignedIdentities(ready);
    if (candidates && candidates.length > 1) throw ambiguousIdentity(`the twin has ${candidates.length} system-assigned managed identities`, 'token', candidates);
  }
  if (!res.ok || !body.access_token) {
    out(`token request failed (${res.status}): ${body.message ?? body.error_description ?? JSON.stringify(body)}`);
    return 1;
  }
  if (opts.json) {
    out(JSON.stringify({ accessToken: body.access_token, expiresOn: Number(body.expires_on), resource: body.resource, tokenType: body.token_type, clientId: body.client_id }, null, 2));
  } else out(body.access_token);
  return 0;
}

export const registerToken: RegisterCommand = (program, ctx) => {
  program
    .command('token')
    .description('print an access token from the running twin, as a managed identity gets it in Azure')
    .requiredOption('--resource <resource>', 'the resource (audience): an app id GUID, api://… or a resource URL')
    .option('--identity <name|clientId>', 'APIM service or site name (its system-assigned identity) or a client id (default: the only system-assigned identity of the twin)')
    .addOption(readyFileOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nOutput: the access token (a JWT) on one line; --json: {accessToken, expiresOn, resource, tokenType, clientId}. Exit 1 when the twin refuses;\n' +
      'exit 2 when --identity is needed (the twin has several system-assigned identities: the error lists them, name and client id) or names none.')
    .action(async (o) => {
      ctx.exit(await token({ resource: o.resource, identity: o.identity, readyFile: o.readyFile, json: o.json }, ctx.out));
    });
};

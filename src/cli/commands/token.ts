import { TwinError } from '../../core/index.js';
import { readReadyFile } from '../ready-file.js';
import type { ReadyInfo } from '../../runtime/index.js';

export interface TokenOptions {
  resource: string;
  identity?: string;
  readyFile: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which identity: an APIM service or site name (its system-assigned identity) or a client id. */
function selector(ready: ReadyInfo, identity: string | undefined): { query: string; owner?: string } {
  if (!identity) {
    const apims = Object.values(ready.apim);
    if (apims.length === 1) return { query: '', owner: apims[0]!.resourceId };
    return { query: '' };
  }
  const apim = Object.entries(ready.apim).find(([n]) => n.toLowerCase() === identity.toLowerCase());
  if (apim) return { query: '', owner: apim[1].resourceId };
  if (GUID.test(identity)) return { query: `&client_id=${encodeURIComponent(identity)}` };
  throw new TwinError('ERR_CLI_IDENTITY', `no identity named ${identity}: give an APIM service name or a client id`);
}

/** `trustline token`: an access token from the running twin's managed identity endpoint. */
export async function token(opts: TokenOptions, out: (l: string) => void): Promise<number> {
  const ready = readReadyFile(opts.readyFile);
  const sel = selector(ready, opts.identity);
  const url = `${ready.identity.identityEndpoint}?api-version=2019-08-01&resource=${encodeURIComponent(opts.resource)}${sel.query}`;
  const headers: Record<string, string> = { 'X-IDENTITY-HEADER': ready.identity.identityHeader };
  if (sel.owner) headers['X-Trustline-Identity-Owner'] = sel.owner;
  const res = await fetch(url, { headers });
  const body = (await res.json()) as { access_token?: string; message?: string; error_description?: string };
  if (!res.ok || !body.access_token) {
    out(`token request failed (${res.status}): ${body.message ?? body.error_description ?? JSON.stringify(body)}`);
    return 1;
  }
  out(body.access_token);
  return 0;
}

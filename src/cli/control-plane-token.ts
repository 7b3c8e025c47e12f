import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { TwinError } from '../core/index.js';
import type { ReadyInfo } from '../runtime/index.js';

interface CliCredential {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}

/**
 * The bearer token the CLI sends to the control plane, obtained as a real client does: client credentials
 * of the twin's CLI principal (`cliCredential` in the ready file) at the identity authority's v2 token
 * endpoint. None when the twin runs with `--no-auth`. Cached until 5 minutes before it expires.
 */
export function controlPlaneToken(ready: ReadyInfo): () => Promise<string | undefined> {
  let cached: { token: string; renewAt: number } | undefined;
  return async () => {
    if (ready.controlPlaneAuth === false || (ready.controlPlaneAuth === undefined && !ready.cliCredential)) return undefined;
    if (cached && Date.now() < cached.renewAt) return cached.token;
    if (!ready.cliCredential) throw new TwinError('ERR_TWIN_READY_FILE', 'the ready file names no cliCredential: the control plane needs a token (restart `trustline up`, or use --no-auth)');
    let cred: CliCredential;
    try {
      cred = JSON.parse(readFileSync(ready.cliCredential, 'utf8')) as CliCredential;
    } catch (e) {
      throw new TwinError('ERR_TWIN_READY_FILE', `cannot read the CLI credential ${ready.cliCredential}: ${(e as Error).message}`);
    }
    const dispatcher = new Agent({ connect: { ca: readFileSync(ready.caCertificate, 'utf8') } });
    try {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: cred.clientId, client_secret: cred.clientSecret, scope: cred.scope });
      const res = await request(`${ready.identity.authority}/oauth2/v2.0/token`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      const body = (await res.body.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
      if (res.statusCode !== 200 || typeof body.access_token !== 'string') {
        throw new TwinError('ERR_RUNTIME_CONTROL_PLANE_TOKEN', `the identity service refused the CLI principal (${res.statusCode}): ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
      }
      cached = { token: body.access_token, renewAt: Date.now() + Math.max(0, (body.expires_in ?? 3600) - 300) * 1000 };
      return body.access_token;
    } finally {
      await dispatcher.close();
    }
  };
}

/**
 * `trustline up --directory FILE` with an app registration and its secret; @azure/identity's
 * ClientSecretCredential (authorityHost = the ready file's authority origin, disableInstanceDiscovery)
 * gets a token from the twin's v2 token endpoint, and the token opens the site.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { APP_CLIENT_ID, TENANT, useRunningSeed } from '../helpers/seed.js';
import { runClient } from './clients/run-client.js';

const CALLER = 'a1b2c3d4-0000-4000-8000-00000000ca11';
const dir = mkdtempSync(join(tmpdir(), 'trustline-dir-'));
const directoryFile = join(dir, 'directory.json');
writeFileSync(
  directoryFile,
  JSON.stringify({ applications: [{ displayName: 'ci-caller', appId: CALLER, passwordCredentials: [{ secretText: 'ci-secret-value' }] }] }),
);

describe('ClientSecretCredential against the twin', () => {
  const seed = useRunningSeed('trustline-csc-', ['--in-memory', '--directory', directoryFile]);
  const run = (secret: string) =>
    runClient<{ token?: string; error?: string }>(
      'client-secret-credential.mjs',
      { AUTHORITY_HOST: new URL(seed.ready.identity.authority).origin, TENANT, CLIENT_ID: CALLER, CLIENT_SECRET: secret, SCOPE: `${APP_CLIENT_ID}/.default` },
      seed.ready.caCertificate,
    );

  it('gets a token that the site accepts', async () => {
    const r = await run('ci-secret-value');
    expect(r.error).toBeUndefined();
    const payload = JSON.parse(Buffer.from(r.token!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ aud: APP_CLIENT_ID, appid: CALLER, appidacr: '1', tid: TENANT, idtyp: 'app', ver: '1.0' });
    const site = seed.ready.sites['trustline-func']!;
    const res = await undiciFetch(`${site.url}/api/hello`, { headers: { authorization: `Bearer ${r.token}` }, dispatcher: seed.tls });
    expect(res.status).toBe(200);
    const anonymous = await undiciFetch(`${site.url}/api/hello`, { dispatcher: seed.tls });
    expect(anonymous.status).toBe(401);
  });

  it('a wrong secret surfaces AADSTS7000215 in the client error', async () => {
    const r = await run('wrong');
    expect(r.error).toMatch(/AADSTS7000215/);
  });
});

/**
 * A command that needs one managed identity when several system-assigned ones match: `trustline token` without
 * `--identity` (the shared endpoint answers only for the only one) refuses with the candidates — resource name, client
 * id, type — and the flag that picks one (exit 2: the command line must say which); `trustline env` says the same on
 * stderr. The endpoint's own refusal lists them too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import type { DirectoryObject } from '../../src/state/types.js';
import { main } from '../../src/cli/index.js';
import { APIM_ID, APIM_MI, FN_APP, IDENTITY_SECRET, SITE_ID, TENANT_ID, UAMI, decodeJwt, startTwin, type Twin } from '../identity/helpers/fixtures.js';

const clock = new ManualClock(Date.now());
const SITE_MI: DirectoryObject = { kind: 'managedIdentity', objectId: 'ffffffff-0000-4000-8000-0000000000a5', appId: 'ffffffff-0000-4000-8000-0000000000c5', displayName: 'fn-twin', tenantId: TENANT_ID, resourceId: SITE_ID };
const dir = mkdtempSync(join(tmpdir(), 'trustline-identity-choice-'));
const twins: Twin[] = [];
afterAll(async () => {
  await Promise.all(twins.map((t) => t.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** A ready file for an identity twin serving `apim` / `sites` (name → principal id of its identity). */
async function twinWith(name: string, directory: DirectoryObject[], apim: Record<string, string>, sites: Record<string, string>): Promise<string> {
  const twin = await startTwin({ clock, directory });
  twins.push(twin);
  const own = (principalId: string) => ({ principalId, identityEndpoint: `${twin.origin}/msi/${principalId}/token` });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    controlPlane: 'https://127.0.0.1:1', tenantId: TENANT_ID, caCertificate: join(dir, 'ca.pem'), proxy: 'http://127.0.0.1:2',
    identity: { authority: `${twin.origin}/${TENANT_ID}`, identityEndpoint: `${twin.origin}/msi/token`, identityHeader: IDENTITY_SECRET, imdsEndpoint: twin.origin },
    apim: Object.fromEntries(Object.entries(apim).map(([n, p]) => [n, { gatewayUrl: 'https://127.0.0.1:3', hostName: `${n}.azure-api.net`, resourceId: APIM_ID, apis: [], ...own(p) }])),
    sites: Object.fromEntries(Object.entries(sites).map(([n, p]) => [n, { url: 'https://127.0.0.1:4', hostName: `${n}.azurewebsites.net`, ...own(p) }])),
  }));
  return file;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), cwd: dir });
  return { code, out, err };
}

describe('picking one of several system-assigned managed identities', () => {
  let two = '';
  let one = '';
  beforeAll(async () => {
    two = await twinWith('two', [APIM_MI, SITE_MI, UAMI, FN_APP], { 'apim-twin': APIM_MI.objectId }, { 'fn-twin': SITE_MI.objectId });
    one = await twinWith('one', [APIM_MI, UAMI, FN_APP], { 'apim-twin': APIM_MI.objectId }, {});
  });

  it('token without --identity: exit 2 listing each candidate (name, client id, type) and --identity; no user-assigned one', async () => {
    const r = await run(['token', '--resource', FN_APP.appId, '--ready-file', two]);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'trustline: ERR_CLI_IDENTITY_AMBIGUOUS: the twin has 2 system-assigned managed identities, and `trustline token` needs one: pick it with --identity NAME or --identity CLIENT_ID:\n' +
        `  apim-twin  client id ${APIM_MI.appId}  (Microsoft.ApiManagement/service)\n` +
        `  fn-twin    client id ${SITE_MI.appId}  (Microsoft.Web/sites)\n`,
    );
  });

  it('each way the refusal names picks that identity', async () => {
    const byName = await run(['token', '--resource', FN_APP.appId, '--identity', 'fn-twin', '--ready-file', two]);
    expect(byName.code, byName.err).toBe(0);
    expect(decodeJwt(byName.out.trim()).payload.appid).toBe(SITE_MI.appId);
    const byClientId = await run(['token', '--resource', FN_APP.appId, '--identity', APIM_MI.appId, '--ready-file', two]);
    expect(byClientId.code, byClientId.err).toBe(0);
    expect(decodeJwt(byClientId.out.trim()).payload.appid).toBe(APIM_MI.appId);
  });

  it('with one system-assigned identity (and a user-assigned one), token needs no --identity', async () => {
    const r = await run(['token', '--resource', FN_APP.appId, '--ready-file', one]);
    expect(r.code, r.err).toBe(0);
    expect(decodeJwt(r.out.trim()).payload.appid).toBe(APIM_MI.appId);
  });

  it('env without --identity prints the environment and, on stderr, the candidates and --identity NAME', async () => {
    const r = await run(['env', '--ready-file', two]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("export IDENTITY_HEADER='");
    expect(r.err).toContain('the twin has 2 system-assigned managed identities: a token request there must name one (client_id). To be one of them, add --identity NAME:');
    expect(r.err).toContain(`  fn-twin    client id ${SITE_MI.appId}  (Microsoft.Web/sites)`);
    expect((await run(['env', '--ready-file', one])).err).toBe('');
    expect((await run(['env', '--identity', 'fn-twin', '--ready-file', two])).err).toBe('');
  });

  it('a name an APIM service and a site share: --identity NAME is ambiguous, the client ids pick', async () => {
    const dupSite = { ...SITE_MI, displayName: 'dup' };
    const dupApim = { ...APIM_MI, displayName: 'dup' };
    const file = await twinWith('dup', [dupApim, dupSite, FN_APP], { dup: APIM_MI.objectId }, { dup: SITE_MI.objectId });
    const r = await run(['token', '--resource', FN_APP.appId, '--identity', 'dup', '--ready-file', file]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain('an APIM service and a site are both named dup, each with a system-assigned identity, and `trustline token` needs one');
    expect(r.err).toContain('(a name two of them share: use the client id)');
    expect(r.err).toContain(`client id ${APIM_MI.appId}`);
    expect(r.err).toContain(`client id ${SITE_MI.appId}`);
    const env = await run(['env', '--identity', 'dup', '--ready-file', file]);
    expect(env.code, env.err).toBe(2);
    expect(env.out).toBe('');
    expect(env.err).toContain('ERR_CLI_IDENTITY_AMBIGUOUS: an APIM service and a site are both named dup, each with a system-assigned identity, and `trustline env --identity` takes a name');
    expect(env.err).toContain(`  dup  client id ${APIM_MI.appId}  (Microsoft.ApiManagement/service)`);
    expect(env.err).toContain(`  dup  client id ${SITE_MI.appId}  (Microsoft.Web/sites)`);
  });
});

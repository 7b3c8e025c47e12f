// `trustline policy run` REQUEST.json `documents`: the run's network serves them by URL, so validate-jwt with
// openid-config runs from the command line (the OpenID metadata and its JWKS), a token of the issuer passes.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';

const dir = mkdtempSync(join(tmpdir(), 'policy-docs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
async function cli(args: string[]) {
  let out = '';
  const code = await main(args, { stdout: (s) => (out += s), stderr: () => undefined });
  return { code, out };
}

const ISSUER = 'https://login.microsoftonline.com/0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a/v2.0';
const META = `${ISSUER}/.well-known/openid-configuration`;
const JWKS = 'https://login.microsoftonline.com/0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a/discovery/v2.0/keys';

describe('policy run: REQUEST.json documents', () => {
  it('validate-jwt openid-config reads the metadata and keys given; without them the run says the network has no such document', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig' };
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ aud: 'api://orders', iss: ISSUER, exp: now + 600, nbf: now - 60 }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
    const policy = file('jwt.xml', `<policies><inbound><validate-jwt header-name="Authorization" failed-validation-httpcode="401" failed-validation-error-message="Unauthorized">
      <openid-config url="${META}" /><audiences><audience>api://orders</audience></audiences><issuers><issuer>${ISSUER}</issuer></issuers></validate-jwt></inbound>
      <backend><forward-request /></backend></policies>`);
    const request = { url: 'https://contoso.azure-api.net/orders/1', headers: { Authorization: `Bearer ${token}` } };
    const withDocs = file('req.json', JSON.stringify({ ...request, documents: { [META]: { issuer: ISSUER, jwks_uri: JWKS }, [JWKS]: { keys: [jwk] } } }));
    const ok = await cli(['policy', 'run', policy, '--request', withDocs, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ status: 200, backendRequest: { method: 'GET' } });
    const without = await cli(['policy', 'run', policy, '--request', file('bare.json', JSON.stringify(request)), '--json']);
    const r = JSON.parse(without.out) as { status: number; trace: { lastError: { message: string } } };
    expect(r.status).toBe(401);
    expect(JSON.stringify(r.trace)).toContain('no document for');
  });
});

import { CompactEncrypt, SignJWT } from 'jose';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inbound, run } from './run.js';

const secret = Buffer.from('a-very-long-shared-secret-for-hs256-tests!!');
const NOW = Date.UTC(2026, 0, 1) / 1000;
const sign = (claims: Record<string, unknown>, key = secret) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);

const policy = (attrs = '', inner = '') => inbound(`<validate-jwt header-name="Authorization" require-scheme="Bearer" ${attrs}>
  <issuer-signing-keys><key>${secret.toString('base64')}</key></issuer-signing-keys>
  <audiences><audience>api://app</audience></audiences><issuers><issuer>https://issuer.example/</issuer></issuers>${inner}</validate-jwt>`);
const good = { aud: 'api://app', iss: 'https://issuer.example/', exp: NOW + 600, roles: ['Reader', 'Writer'], scp: 'a b' };
const call = async (p: string, token?: string) => run(p, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('validate-jwt (behaviour 30)', () => {
  it('a valid token passes; no token: 401 "JWT not present."; a malformed one: 401 "Invalid JWT."', async () => {
    expect((await call(policy(), await sign(good))).status).toBe(200);
    const none = await call(policy());
    expect(none.status).toBe(401);
    expect(none.body).toBe('{ "statusCode": 401, "message": "JWT not present." }');
    expect(none.backendRequest).toBeNull();
    const bad = await call(policy(), 'not.a.jwt');
    expect(bad.body).toBe('{ "statusCode": 401, "message": "Invalid JWT." }');
  });

  it('bad signature, wrong audience or issuer, expired (clock-skew), missing exp: 401', async () => {
    expect((await call(policy(), await sign(good, Buffer.from('another-secret-that-is-long-enough-000000')))).status).toBe(401);
    expect((await call(policy(), await sign({ ...good, aud: 'api://other' }))).status).toBe(401);
    expect((await call(policy(), await sign({ ...good, iss: 'https://evil/' }))).status).toBe(401);
    expect((await call(policy(), await sign({ ...good, exp: NOW - 30 }))).status).toBe(401);
    expect((await call(policy('clock-skew="60"'), await sign({ ...good, exp: NOW - 30 }))).status).toBe(200);
    const { exp: _e, ...noExp } = good;
    expect((await call(policy(), await sign(noExp))).status).toBe(401);
    expect((await call(policy('require-expiration-time="false"'), await sign(noExp))).status).toBe(200);
  });

  it('required-claims (match all|any, separator) and a custom status and message; LastError reason in on-error', async () => {
    const claims = (match: string, ...values: string[]) => `<required-claims><claim name="roles" match="${match}">${values.map((v) => `<value>${v}</value>`).join('')}</claim></required-claims>`;
    expect((await call(policy('', claims('all', 'Reader', 'Writer')), await sign(good))).status).toBe(200);
    expect((await call(policy('', claims('all', 'Reader', 'Admin')), await sign(good))).status).toBe(401);
    expect((await call(policy('', claims('any', 'Reader', 'Admin')), await sign(good))).status).toBe(200);
    const sep = '<required-claims><claim name="scp" separator=" "><value>b</value></claim></required-claims>';
    expect((await call(policy('', sep), await sign(good))).status).toBe(200);
    const custom = await call(policy('failed-validation-httpcode="403" failed-validation-error-message="Nope"', claims('all', 'Admin')), await sign(good));
    expect(custom.status).toBe(403);
    expect(custom.body).toBe('{ "statusCode": 403, "message": "Nope" }');
    const missing = await call(`<policies><inbound>${policy('', '<required-claims><claim name="tid"/></required-claims>').slice('<policies><inbound>'.length, -'</inbound><backend><forward-request/></backend><outbound></outbound><on-error/></policies>'.length)}</inbound>
      <on-error><set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Reason)</value></set-header></on-error></policies>`, await sign(good));
    expect(missing.status).toBe(401);
    expect(missing.headers['x-reason']).toBe('TokenClaimNotFound');
  });

  it('refuses two token sources at compile time', async () => {
    await expect(run(inbound('<validate-jwt header-name="a" token-value="b"><issuer-signing-keys><key>AAAA</key></issuer-signing-keys></validate-jwt>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });

  it('no key source: loads with a warning (APIM saves it), and every signed token fails with IDX10500; unsigned ones pass only with require-signed-tokens="false"', async () => {
    const keyless = inbound('<validate-jwt header-name="Authorization"><audiences><audience>api://app</audience></audiences></validate-jwt>')
      .replace('<on-error/>', '<on-error><set-header name="X-Why" exists-action="override"><value>@(context.LastError.Reason + ": " + context.LastError.Message)</value></set-header></on-error>');
    const r = await call(keyless, await sign(good));
    expect(r.status).toBe(401);
    expect(r.body).toBe('{ "statusCode": 401, "message": "Invalid JWT." }');
    expect(r.headers['x-why']).toBe('TokenSignatureInvalid: IDX10500: Signature validation failed. No security keys were provided to validate the signature. Access denied.');
    expect(r.backendRequest).toBeNull();
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`;
    expect((await call(keyless.replace('<validate-jwt ', '<validate-jwt require-signed-tokens="false" '), unsigned)).status).toBe(200);
  });

  describe('<decryption-keys>: encrypted tokens (JWE)', () => {
    const kek = Buffer.alloc(32, 7);
    const other = Buffer.alloc(32, 9);
    const encrypt = async (plaintext: string, key: Buffer, header: Record<string, string> = {}) =>
      new CompactEncrypt(Buffer.from(plaintext)).setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM', cty: 'JWT', ...header }).encrypt(key);
    const jwe = (attrs = '', keys = `<key>${kek.toString('base64')}</key>`) => inbound(`<validate-jwt header-name="Authorization" output-token-variable-name="jwt" ${attrs}>
      <issuer-signing-keys><key>${secret.toString('base64')}</key></issuer-signing-keys>
      <decryption-keys>${keys}</decryption-keys>
      <audiences><audience>api://app</audience></audiences></validate-jwt>`, '');

    it('a signed token inside a JWE is decrypted with a key that opens it, then validated as usual', async () => {
      const token = await encrypt(await sign(good), kek);
      expect(token.split('.')).toHaveLength(5);
      const r = await call(jwe('', `<key id="old">${other.toString('base64')}</key><key>${kek.toString('base64')}</key>`), token);
      expect(r.status).toBe(200);
      expect(r.backendRequest!.headers.authorization).toBe(`Bearer ${token}`);
      const bad = await call(jwe(), await encrypt(await sign({ ...good, aud: 'api://other' }), kek));
      expect(bad.status).toBe(401);
      expect(bad.body).toBe('{ "statusCode": 401, "message": "Invalid JWT." }');
    });

    it('no key opens it (or the key id does not match the kid): 401 "Invalid JWT.", LastError TokenDecryptionFailed', async () => {
      const onError = (p: string) => p.replace('<on-error/>', '<on-error><set-header name="x-reason" exists-action="override"><value>@(context.LastError.Reason + "|" + context.LastError.Message)</value></set-header></on-error>');
      const r = await call(onError(jwe()), await encrypt(await sign(good), other));
      expect(r.status).toBe(401);
      expect(r.body).toBe('{ "statusCode": 401, "message": "Invalid JWT." }');
      expect(r.headers['x-reason']).toBe("TokenDecryptionFailed|IDX10603: Decryption failed. Keys tried: '(no id)'. Access denied.");
      const byKid = await call(onError(jwe('', `<key id="k2">${kek.toString('base64')}</key>`)), await encrypt(await sign(good), kek, { kid: 'k1' }));
      expect(byKid.headers['x-reason']).toBe("TokenDecryptionFailed|IDX10603: Decryption failed. Keys tried: 'none'. Access denied.");
    });

    it('claims encrypted directly are unsigned: refused unless require-signed-tokens="false"', async () => {
      const token = await encrypt(JSON.stringify(good), kek);
      expect((await call(jwe(), token)).status).toBe(401);
      const ok = await call(jwe('require-signed-tokens="false"'), token);
      expect(ok.status).toBe(200);
    });

    it('an n/e public key cannot decrypt: refused at load; a certificate-id key holds no text', async () => {
      await expect(run(jwe('', '<key n="abc" e="AQAB" />'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_UNSUPPORTED' });
      await expect(run(jwe('', '<key certificate-id="enc-cert">AAAA</key>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    });

    it('certificate-id: the private key of the service\'s PKCS#12 certificate decrypts an RSA-OAEP token; a certificate it lacks, or one without its key, opens nothing', async () => {
      const dir = join(import.meta.dirname, '..', '..', 'fixtures');
      const pfx = readFileSync(join(dir, 'certificates', 'client.pfx')).toString('base64');
      const cer = new X509Certificate(readFileSync(join(dir, 'client-certificates', 'client.pem'))).raw.toString('base64');
      const publicKey = new X509Certificate(readFileSync(join(dir, 'certificates', 'client.pem'))).publicKey;
      const token = await new CompactEncrypt(Buffer.from(await sign(good))).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' }).encrypt(publicKey);
      const certificates = [{ id: 'enc-cert', data: pfx, password: 'trustline' }, { id: 'public-only', data: cer }];
      const withCerts = (p: string) => run(p, { headers: { authorization: `Bearer ${token}` }, certificates });
      expect((await withCerts(jwe('', '<key certificate-id="enc-cert" />'))).status).toBe(200);
      for (const id of ['missing', 'public-only']) {
        const r = await withCerts(jwe('', `<key certificate-id="${id}" />`).replace('<on-error/>', '<on-error><set-header name="x-reason" exists-action="override"><value>@(context.LastError.Message)</value></set-header></on-error>'));
        expect(r.status).toBe(401);
        expect(r.headers['x-reason']).toBe(`IDX10603: Decryption failed. Keys tried: '${id}'. Access denied.`);
      }
    });
  });

  it('<issuer-signing-keys><key certificate-id>: the public key of a service certificate (PKCS#12 or a bare .cer) verifies RS256 signatures', async () => {
    const dir = join(import.meta.dirname, '..', '..', 'fixtures', 'client-certificates');
    const key = createPrivateKey(readFileSync(join(dir, 'client-key.pem')));
    const cer = new X509Certificate(readFileSync(join(dir, 'client.pem'))).raw.toString('base64');
    const rs = new SignJWT(good).setProtectedHeader({ alg: 'RS256' });
    const p = inbound(`<validate-jwt header-name="Authorization"><issuer-signing-keys><key certificate-id="signer" /></issuer-signing-keys><audiences><audience>api://app</audience></audiences></validate-jwt>`);
    const ok = await run(p, { headers: { authorization: `Bearer ${await rs.sign(key)}` }, certificates: [{ id: 'signer', data: cer }] });
    expect(ok.status).toBe(200);
    const other = await run(p, { headers: { authorization: `Bearer ${await rs.sign(createPrivateKey(readFileSync(join(dir, 'untrusted-client-key.pem'))))}` }, certificates: [{ id: 'signer', data: cer }] });
    expect(other.status).toBe(401);
    expect((await run(p, { headers: { authorization: `Bearer ${await rs.sign(key)}` } })).status).toBe(401);
    await expect(run(inbound('<validate-jwt header-name="Authorization"><issuer-signing-keys><key /></issuer-signing-keys></validate-jwt>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isTwinError, ManualClock } from '../../src/core/index.js';
import { compileExpression } from '../../src/gateway/index.js';
import type { HostContext } from '../../src/gateway/expressions/host.js';
import { ExpressionRuntimeError, type Value } from '../../src/gateway/expressions/values.js';

/**
 * X509Certificate2 from a PKCS#12 bundle with its private key, and RSA signing (issue 6: the Key Vault client-assertion
 * snippet of the corpus signs a JWT with `certificate.GetRSAPrivateKey() as RSACng`). The bundles are OpenSSL 3 exports
 * of one test certificate (fixtures/pfx-bundles.json says how each was made); signatures are checked with node:crypto
 * against the certificate's PEM, independently of the twin.
 */
const PFX = JSON.parse(readFileSync(new URL('./fixtures/pfx-bundles.json', import.meta.url), 'utf8')) as Record<string, string>;

function ctx(vars: Record<string, Value>, now = Date.parse('2026-01-15T15:04:05Z')): HostContext {
  const url = { scheme: 'https', host: 'h.example', port: 443, path: '/', query: [] as Array<[string, string]> };
  return {
    $type: 'Context', variables: new Map(Object.entries(vars)),
    request: { method: 'GET', url, originalUrl: url, headers: new Map(), ipAddress: '10.0.0.1', matchedParameters: new Map() },
    response: { statusCode: 200, statusReason: 'OK', headers: new Map() },
    api: { id: 'a', name: 'a', path: 'a', serviceUrl: null, protocols: ['https'] },
    operation: { id: 'o', name: 'o', method: 'GET', urlTemplate: '/' },
    subscription: null, lastError: null, requestId: '11111111-2222-3333-4444-555555555555',
    clock: new ManualClock(now), trace() {},
  };
}

const run = (src: string, vars: Record<string, Value> = {}) => compileExpression(src).evaluate(ctx({ ...vars }));
function failure(src: string, vars: Record<string, Value> = {}): string {
  try { run(src, vars); return 'evaluated'; } catch (e) {
    if (e instanceof ExpressionRuntimeError) return `${e.exceptionType}: ${e.message}`;
    return isTwinError(e) ? e.code : String(e);
  }
}
const open = (name: string, password = '(string)null') => `new X509Certificate2(Convert.FromBase64String((string)context.Variables["${name}"]), ${password})`;

describe('X509Certificate2 from a PFX, RSA signing', () => {
  it('opens each bundle kind with its password: the certificate and the private key that matches it', () => {
    for (const [name, password] of [['modern', '(string)null'], ['modern', '""'], ['3des', '"s3cret"'], ['plain', '(string)null']] as const) {
      const got = run(`@{ var c = ${open(name, password)}; return c.Thumbprint + "|" + c.HasPrivateKey + "|" + c.Subject + "|" + BitConverter.ToString(c.GetCertHash()).Replace("-", ""); }`, { [name]: PFX[name]! });
      expect(got, name).toBe(`${PFX.sha1}|True|O=Trustline, CN=twin-test|${PFX.sha1}`);
    }
    // a bundle without the key: the certificate alone
    expect(run(`@{ var c = ${open('certonly')}; return c.HasPrivateKey + "|" + (c.GetRSAPrivateKey() == null); }`, { certonly: PFX.certonly! })).toBe('False|True');
  });

  it('signs with the private key as RSA.SignData does (PKCS#1 v1.5 and PSS), verifiable with the certificate', () => {
    const pem = createPublicKey(PFX.certificatePem!);
    for (const padding of ['Pkcs1', 'Pss'] as const) {
      const sig = run(`@{
        RSACng rsa = ${open('modern')}.GetRSAPrivateKey() as RSACng;
        return Convert.ToBase64String(rsa.SignData(Encoding.UTF8.GetBytes("header.claims"), HashAlgorithmName.SHA256, RSASignaturePadding.${padding}));
      }`, { modern: PFX.modern! }) as string;
      const opts = { key: pem, padding: padding === 'Pss' ? 6 : 1, saltLength: 32 };
      expect(verify('sha256', Buffer.from('header.claims'), opts, Buffer.from(sig, 'base64')), padding).toBe(true);
    }
    // the twin's own verification agrees, and SignHash signs a digest
    expect(run(`@{
      var c = ${open('3des', '"s3cret"')};
      var data = Encoding.UTF8.GetBytes("x");
      var sig = c.GetRSAPrivateKey().SignHash(SHA256.Create().ComputeHash(data), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
      return c.GetRSAPublicKey().VerifyData(data, sig, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }`, { '3des': PFX['3des']! })).toBe(true);
    // VerifyHash checks a SignData signature over the digest; a changed digest fails
    expect(run(`@{
      var c = ${open('modern')};
      var data = Encoding.UTF8.GetBytes("x");
      var sig = c.GetRSAPrivateKey().SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
      var h = SHA256.Create().ComputeHash(data);
      var ok = c.GetRSAPublicKey().VerifyHash(h, sig, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
      h[0] ^= 1;
      return ok + "/" + c.GetRSAPublicKey().VerifyHash(h, sig, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }`, { modern: PFX.modern! })).toBe('True/False');
  });

  it('refuses what .NET refuses: a wrong password, a public key that signs, RC2 bundles (not in Node\'s OpenSSL)', () => {
    expect(failure(`@(${open('3des', '"wrong"')}.Thumbprint)`, { '3des': PFX['3des']! })).toBe('CryptographicException: The specified network password is not correct.');
    expect(failure(`@(${open('modern', '"wrong"')}.Thumbprint)`, { modern: PFX.modern! })).toBe('CryptographicException: The specified network password is not correct.');
    expect(failure(`@(${open('modern')}.GetRSAPublicKey().SignData(new byte[1], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))`, { modern: PFX.modern! }))
      .toBe('CryptographicException: Keyset does not exist');
    expect(failure(`@(${open('rc2', '"s3cret"')}.Thumbprint)`, { rc2: PFX.rc2! })).toBe('CryptographicException: the algorithm pbeWithSHAAnd40BitRC2-CBC is not supported by the twin');
    expect(failure('@(new X509Certificate2(new byte[] { 48, 3, 2, 1, 3 }, (string)null).Thumbprint)')).toBe('CryptographicException: Cannot find the requested object.');
    // bounded work: a bundle asking for more key-derivation iterations than the twin's limit is refused before the work
    expect(failure(`@(${open('costly')}.Thumbprint)`, { costly: PFX.costly! })).toBe('CryptographicException: the bundle asks for more than 50000 key-derivation iterations');
  });

  it('a damaged bundle is a CryptographicException, never an uncoded error (fixed-seed byte flips and truncations)', () => {
    const base = Buffer.from(PFX.modern!, 'base64');
    let seed = 12345;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const outcomes = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const b = Buffer.from(base);
      if (i % 3 === 0) b[rnd(b.length)] ^= 1 << rnd(8);
      const cut = i % 3 === 1 ? b.subarray(0, rnd(b.length)) : b;
      const r = failure(`@(${open('x')}.Thumbprint)`, { x: cut.toString('base64') });
      expect(r, `attempt ${i}`).toMatch(/^(evaluated|CryptographicException: )/);
      outcomes.add(r.split(':')[0]!);
    }
    expect(outcomes.has('CryptographicException')).toBe(true);
  });

  it('the rest of the allowed X509 and RSA surface: names, OIDs, public key, export, RSA encryption', () => {
    const vars = { modern: PFX.modern! };
    const c = open('modern');
    expect(run(`@{ var c = ${c}; return c.SubjectName.Name + "|" + c.IssuerName.Name + "|" + c.GetNameInfo(X509NameType.SimpleName, false) + "|" + c.GetNameInfo(X509NameType.DnsName, true) + "|" + c.GetNameInfo(X509NameType.EmailName, false) + "|"; }`, vars))
      .toBe('O=Trustline, CN=twin-test|O=Trustline, CN=twin-test|twin-test|twin-test||');
    expect(run(`@{ var c = ${c}; return c.SignatureAlgorithm.FriendlyName + "|" + c.SignatureAlgorithm.Value + "|" + c.PublicKey.Oid.FriendlyName + "|" + new Oid("sha256").Value + "|" + Oid.FromOidValue("1.2.840.113549.1.1.1").FriendlyName; }`, vars))
      .toBe('sha256RSA|1.2.840.113549.1.1.11|RSA|2.16.840.1.101.3.4.2.1|RSA');
    // GetPublicKey is the PKCS#1 RSAPublicKey; Export(Cert) is the DER certificate; the static extension class reads keys too
    const pem = createPublicKey(PFX.certificatePem!);
    expect(run(`@(Convert.ToBase64String(${c}.GetPublicKey()))`, vars)).toBe(pem.export({ type: 'pkcs1', format: 'der' }).toString('base64'));
    expect(run(`@(Convert.ToBase64String(${c}.Export(X509ContentType.Cert)) == Convert.ToBase64String(${c}.RawData))`, vars)).toBe(true);
    expect(failure(`@(${c}.Export(X509ContentType.Pfx))`, vars)).toBe('CryptographicException: Key not valid for use in specified state.');
    expect(run(`@(RSACertificateExtensions.GetRSAPrivateKey(${c}).KeySize)`, vars)).toBe(1024);
    expect(run(`@(${c} is X509Certificate)`, vars)).toBe(true);
    // RSA encryption with the public key, decryption with the private one (OAEP and PKCS#1)
    for (const p of ['OaepSHA256', 'OaepSHA1']) {
      expect(run(`@{ var c = ${c}; var enc = c.GetRSAPublicKey().Encrypt(Encoding.UTF8.GetBytes("secret"), RSAEncryptionPadding.${p}); return Encoding.UTF8.GetString(c.GetRSAPrivateKey().Decrypt(enc, RSAEncryptionPadding.${p})); }`, vars), p).toBe('secret');
    }
    // PKCS#1 v1.5 encryption works (checked by Node), its decryption is refused by Node (CVE-2023-46809): a coded NotSupported
    expect(run(`@(${c}.GetRSAPublicKey().Encrypt(new byte[] { 1, 2 }, RSAEncryptionPadding.Pkcs1).Length)`, vars)).toBe(128);
    expect(failure(`@(${c}.GetRSAPrivateKey().Decrypt(new byte[128], RSAEncryptionPadding.Pkcs1))`, vars))
      .toBe('NotSupportedException: RSA decryption with PKCS#1 v1.5 padding is not supported by the twin (use OAEP)');
    expect(failure(`@(${c}.GetRSAPublicKey().Decrypt(new byte[128], RSAEncryptionPadding.OaepSHA256))`, vars)).toBe('CryptographicException: Keyset does not exist');
    // VerifyNoRevocation() checks the validity period against the gateway's clock (the certificate is valid from 2026-11-30)
    const verifyAt = (iso: string) => compileExpression(`@(${c}.VerifyNoRevocation())`).evaluate(ctx(vars, Date.parse(iso)));
    expect([verifyAt('2026-01-15T00:00:00Z'), verifyAt('2027-01-15T00:00:00Z')]).toEqual([false, true]);
  });

  it('context.Deployment.Certificates: the service certificates by thumbprint, with their private keys (signing a JWT as users do)', () => {
    const bundle = { thumbprint: PFX.sha1!, pfx: Buffer.from(PFX['3des']!, 'base64'), passphrase: 's3cret' };
    const c = { ...ctx({}), deployment: { region: 'West Europe', serviceName: 'contoso', serviceId: '/s', gatewayId: 'managed', certificates: [bundle, { thumbprint: 'BAD', pfx: Buffer.from('nope') }] } };
    const sig = compileExpression(`@{
      using (RSA rsa = context.Deployment.Certificates["${PFX.sha1}"].GetRSAPrivateKey())
      {
        return Convert.ToBase64String(rsa.SignData(Encoding.UTF8.GetBytes("h.p"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
      }
    }`).evaluate(c) as string;
    expect(verify('sha256', Buffer.from('h.p'), createPublicKey(PFX.certificatePem!), Buffer.from(sig, 'base64'))).toBe(true);
    // a bundle that does not open is not in the dictionary; the dictionary is keyed by thumbprint
    expect(compileExpression('@(context.Deployment.Certificates.Count + "|" + context.Deployment.Certificates.ContainsKey("BAD"))').evaluate(c)).toBe('1|False');
    expect(compileExpression('@(context.Deployment.Certificates.Count)').evaluate(ctx({}))).toBe(0);
  });

  it('RSACng: a variable or `as` target (members are RSA\'s, as APIM resolves them), never created or used for its own members', () => {
    const code = (src: string) => { try { compileExpression(src); return 'ok'; } catch (e) { return isTwinError(e) ? `${e.code}: ${e.message}` : String(e); } };
    expect(code('@{ RSACng rsa = null; return rsa == null; }')).toBe('ok');
    expect(code('@(new RSACng())')).toBe("ERR_APIM_EXPRESSION_UNSUPPORTED: Creating a 'RSACng' with 'new' is not supported");
    expect(code('@{ RSACng rsa = null; return rsa.Key; }')).toBe("ERR_APIM_EXPRESSION_UNSUPPORTED: 'RSACng' has no supported property 'Key'");
    expect(run(`@(${open('modern')}.GetRSAPublicKey() is RSACng)`, { modern: PFX.modern! })).toBe(true);
  });
});

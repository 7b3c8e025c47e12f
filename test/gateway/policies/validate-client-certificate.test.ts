import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import { runPolicy, type GatewayCompatFlags, type PolicyRunRequest } from '../../../src/gateway/index.js';
import { inbound } from './run.js';

/**
 * validate-client-certificate (docs/behaviour/apim.md §2) and `context.Request.Certificate`, through `trustline policy
 * run` (REQUEST.json `certificate` = what the client presents, `caCertificates` = the service's `certificates` property).
 */
const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'client-certificates');
const pem = (name: string) => readFileSync(join(DIR, name), 'utf8');
const der64 = (name: string) => new X509Certificate(pem(name)).raw.toString('base64');
const CLIENT = pem('client.pem');
const x509 = new X509Certificate(CLIENT);
const THUMBPRINT = x509.fingerprint.replace(/:/g, '');
const INTERMEDIATE_THUMBPRINT = new X509Certificate(pem('intermediate-ca.pem')).fingerprint.replace(/:/g, '');
const CAS = [{ encodedCertificate: der64('root-ca.pem'), storeName: 'Root' }, { encodedCertificate: der64('intermediate-ca.pem'), storeName: 'CertificateAuthority' }];
/** The fixtures are valid from 2026-11-30 for 100 years. */
const IN_VALIDITY = Date.UTC(2027, 0, 1);

const ON_ERROR = '<on-error><set-header name="X-Error" exists-action="override"><value>@(context.LastError.Source + "|" + context.LastError.Reason + "|" + context.LastError.Message)</value></set-header></on-error>';
const doc = (policy: string) => inbound(policy).replace('<on-error/>', ON_ERROR);
const run = (policy: string, request: PolicyRunRequest = {}, opts: { at?: number; flags?: Partial<GatewayCompatFlags> } = {}) =>
  runPolicy({ policy: doc(policy), file: 'policy.xml', request, clock: new ManualClock(opts.at ?? IN_VALIDITY), ...(opts.flags ? { flags: opts.flags } : {}) });
const presented = (extra: PolicyRunRequest = {}): PolicyRunRequest => ({ certificate: CLIENT, caCertificates: CAS, ...extra });

describe('validate-client-certificate (trustline policy run)', () => {
  it('a trusted, valid certificate matching an identity passes; the backend is called', async () => {
    const r = await run(`<validate-client-certificate validate-revocation="false">
      <identities><identity subject="CN=Someone Else"/><identity subject="C=US, O=&quot;Contoso, Inc.&quot;, CN=Client 01" issuer-subject="CN=Trustline Test Intermediate CA"/></identities>
    </validate-client-certificate>`, presented());
    expect(r.status).toBe(200);
    expect(r.backendRequest).not.toBeNull();
    expect(JSON.stringify(r.trace)).toContain(THUMBPRINT.toUpperCase());
  });

  it('no certificate: 401 with APIM\'s body, LastError ClientCertificateMissing', async () => {
    const r = await run('<validate-client-certificate validate-revocation="false"/>', { caCertificates: CAS });
    expect(r.status).toBe(401);
    expect(r.body).toBe('{ "statusCode": 401, "message": "Invalid client certificate" }');
    expect(r.headers['x-error']).toBe('validate-client-certificate|ClientCertificateMissing|Client certificate is missing.');
    expect(r.backendRequest).toBeNull();
  });

  it('identities: each claim alone matches; a certificate matching none is ClientCertificateIdentityNotMatched', async () => {
    const claims = [
      `thumbprint="${THUMBPRINT.toLowerCase()}"`, `serial-number="${x509.serialNumber}"`, 'common-name="client 01"', 'dns-name="client01.contoso.test"',
      'issuer-subject="CN=Trustline Test Intermediate CA"', `issuer-thumbprint="${INTERMEDIATE_THUMBPRINT}"`, 'subject="CN=Client 01, O=&quot;Contoso, Inc.&quot;, C=US"',
    ];
    for (const claim of claims) {
      const r = await run(`<validate-client-certificate validate-revocation="false"><identities><identity ${claim}/></identities></validate-client-certificate>`, presented());
      expect(r.status, claim).toBe(200);
    }
    const wrong = ['thumbprint="0000"', 'serial-number="01"', 'common-name="Client 02"', 'dns-name="other.contoso.test"', 'issuer-subject="CN=Trustline Test Root CA"',
      `issuer-thumbprint="${THUMBPRINT}"`, 'subject="CN=Client 01"', `common-name="Client 01" thumbprint="0000"`];
    for (const claim of wrong) {
      const r = await run(`<validate-client-certificate validate-revocation="false"><identities><identity ${claim}/></identities></validate-client-certificate>`, presented());
      expect(r.status, claim).toBe(401);
      expect(r.headers['x-error']).toBe('validate-client-certificate|ClientCertificateIdentityNotMatched|Certificate does not match any of allowed identities.');
    }
  });

  it('validate-trust (default true): a chain to no trusted root is ClientCertificateNotTrusted; false lets it through', async () => {
    const untrusted = { certificate: pem('untrusted-client.pem'), caCertificates: CAS };
    const r = await run('<validate-client-certificate validate-revocation="false"/>', untrusted);
    expect(r.status).toBe(401);
    expect(r.headers['x-error']).toBe('validate-client-certificate|ClientCertificateNotTrusted|A certificate chain could not be built to a trusted root authority.');
    // the intermediate alone (store CertificateAuthority) anchors nothing
    const noRoot = await run('<validate-client-certificate validate-revocation="false"/>', presented({ caCertificates: [CAS[1]!] }));
    expect(noRoot.headers['x-error']).toContain('ClientCertificateNotTrusted');
    expect((await run('<validate-client-certificate validate-revocation="false" validate-trust="false"/>', untrusted)).status).toBe(200);
    // issuer claims need the chain: the untrusted self-signed certificate's issuer is itself
    expect((await run('<validate-client-certificate validate-revocation="false" validate-trust="false"><identities><identity issuer-subject="CN=Client 01"/></identities></validate-client-certificate>', untrusted)).status).toBe(200);
  });

  it('validate-not-before / validate-not-after (default true) against the clock', async () => {
    const early = await run('<validate-client-certificate validate-revocation="false"/>', presented(), { at: Date.UTC(2026, 0, 1) });
    expect(early.headers['x-error']).toMatch(/^validate-client-certificate\|ClientCertificateNotYetValid\|A required certificate is not within its validity period/);
    const late = await run('<validate-client-certificate validate-revocation="false"/>', presented(), { at: Date.UTC(2127, 0, 1) });
    expect(late.headers['x-error']).toMatch(/^validate-client-certificate\|ClientCertificateExpired\|/);
    expect((await run('<validate-client-certificate validate-revocation="false" validate-not-before="false"/>', presented(), { at: Date.UTC(2026, 0, 1) })).status).toBe(200);
    expect((await run('<validate-client-certificate validate-revocation="false" validate-not-after="false"/>', presented(), { at: Date.UTC(2127, 0, 1) })).status).toBe(200);
  });

  it('validate-revocation (default true): a chain certificate with no CRL/OCSP source has an unknown status; one with a CRL passes (assume-good)', async () => {
    const r = await run('<validate-client-certificate/>', presented());
    expect(r.status).toBe(401);
    expect(r.headers['x-error']).toBe('validate-client-certificate|ClientCertificateRevocationUnknown|The revocation function was unable to check revocation for the certificate.');
    const withCrl = await run('<validate-client-certificate validate-trust="false"/>', { certificate: pem('crl-client.pem') });
    expect(withCrl.status).toBe(200);
  });

  it('compat flag clientCertificateRevocation: offline-fails refuses a certificate whose CRL the offline twin cannot fetch', async () => {
    const r = await run('<validate-client-certificate validate-trust="false"/>', { certificate: pem('crl-client.pem') }, { flags: { clientCertificateRevocation: 'offline-fails' } });
    expect(r.status).toBe(401);
    expect(r.headers['x-error']).toBe('validate-client-certificate|ClientCertificateRevocationUnknown|The revocation function was unable to check revocation because the revocation server was offline.');
  });

  it('ignore-error="true": a failed check is noted and the pipeline goes on', async () => {
    const r = await run('<validate-client-certificate ignore-error="true"/>', {});
    expect(r.status).toBe(200);
    expect(r.backendRequest).not.toBeNull();
    expect(JSON.stringify(r.trace)).toContain('ClientCertificateMissing');
  });

  it('context.Request.Certificate: the presented certificate (X509Certificate2 members), null without one', async () => {
    const expr = '<set-header name="X-Cert" exists-action="override"><value>@{ var c = context.Request.Certificate; return c == null ? "none" : c.Thumbprint + "|" + c.Subject + "|" + c.Issuer + "|" + c.SerialNumber + "|" + c.NotAfter.Year + "|" + c.HasPrivateKey; }</value></set-header>';
    const r = await run(expr, presented());
    expect(r.backendRequest?.headers['x-cert']).toBe(`${THUMBPRINT}|CN=Client 01, O="Contoso, Inc.", C=US|CN=Trustline Test Intermediate CA|${x509.serialNumber}|2126|False`);
    expect((await run(expr, {})).backendRequest?.headers['x-cert']).toBe('none');
  });

  it('context.Request.Certificate.ToString() is .NET\'s: subject, issuer, serial, validity (en-US, UTC) and thumbprint', async () => {
    const r = await run('<return-response><set-status code="200"/><set-body>@(context.Request.Certificate.ToString())</set-body></return-response>', presented());
    const date = (iso: string) => { const d = new Date(iso); const h = d.getUTCHours() % 12 || 12; return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`; };
    expect(r.body).toBe(`[Subject]\r\n  CN=Client 01, O="Contoso, Inc.", C=US\r\n\r\n[Issuer]\r\n  CN=Trustline Test Intermediate CA\r\n\r\n[Serial Number]\r\n  ${x509.serialNumber}\r\n\r\n`
      + `[Not Before]\r\n  ${date(x509.validFrom)}\r\n\r\n[Not After]\r\n  ${date(x509.validTo)}\r\n\r\n[Thumbprint]\r\n  ${THUMBPRINT}\r\n`);
  });

  it('X509Certificate2.VerifyNoRevocation() / Verify() on the gateway build the chain to the service\'s CA certificates', async () => {
    const expr = '<set-header name="X-Verify" exists-action="override"><value>@(context.Request.Certificate.VerifyNoRevocation() + "|" + context.Request.Certificate.Verify())</value></set-header>';
    // trusted; Verify() also needs a revocation status, which a chain without CRL/OCSP sources lacks
    expect((await run(expr, presented())).backendRequest?.headers['x-verify']).toBe('True|False');
    expect((await run(expr, { certificate: CLIENT })).backendRequest?.headers['x-verify']).toBe('False|False');
    expect((await run(expr, presented(), { at: Date.UTC(2127, 0, 1) })).backendRequest?.headers['x-verify']).toBe('False|False');
  });

  it('load errors: expressions in attributes, unknown or conflicting identity claims, outside inbound', async () => {
    const load = (p: string) => runPolicy({ policy: p, file: 'policy.xml', request: {}, clock: new ManualClock(IN_VALIDITY) });
    await expect(load(doc('<validate-client-certificate validate-trust="@(true)"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(load(doc('<validate-client-certificate><identities><identity colour="red"/></identities></validate-client-certificate>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(load(doc('<validate-client-certificate><identities><identity issuer-certificate-id="ca" issuer-subject="CN=x"/></identities></validate-client-certificate>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(load(doc('<validate-client-certificate><identities><identity/></identities></validate-client-certificate>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(load(doc('<validate-client-certificate><identity thumbprint="A"/></validate-client-certificate>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_UNKNOWN_ELEMENT' });
    await expect(load('<policies><inbound/><outbound><validate-client-certificate/></outbound></policies>')).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_SECTION' });
  });
});

// Client certificates end to end: an ARM-deployed service that negotiates client certificates
// (hostnameConfigurations[].negotiateClientCertificate) with CA certificates (the `certificates` property) → the
// runtime's https listener asks for a certificate → context.Request.Certificate and validate-client-certificate.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { createHttpClient, ManualClock, memoryLogger, sequentialIds } from '../../src/core/index.js';
import { compileService, createGateway } from '../../src/gateway/index.js';
import { startListenerPair, type ListenerPair } from '../../src/runtime/index.js';
import { buildServiceConfig } from '../../src/runtime/service-config.js';
import { setup } from '../arm/helpers/seed.js';
import { FakeTokens } from './helpers.js';
import { getWithClientCertificate } from '../helpers/client-certificate-call.js';

const CERTS = join(import.meta.dirname, '..', 'fixtures', 'client-certificates');
const SERVER = join(import.meta.dirname, '..', 'fixtures', 'certificates');
const file = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const der64 = (name: string) => new X509Certificate(file(CERTS, name)).raw.toString('base64');
const THUMBPRINT = new X509Certificate(file(CERTS, 'client.pem')).fingerprint.replace(/:/g, '');

const POLICY = `<policies><inbound><base/>
  <validate-client-certificate validate-revocation="false">
    <identities><identity common-name="Client 01" issuer-certificate-id="issuing-ca"/></identities>
  </validate-client-certificate>
  <return-response><set-status code="200"/><set-body>@(context.Request.Certificate.Thumbprint)</set-body></return-response>
</inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/><set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Reason)</value></set-header></on-error></policies>`;

function deployed(negotiate: boolean, withIntermediate = true) {
  const { store, options } = setup();
  const resources = [
    {
      type: 'Microsoft.ApiManagement/service', name: 's',
      properties: {
        publisherEmail: 'a@b.c', publisherName: 'n',
        hostnameConfigurations: [{ type: 'Proxy', hostName: 's.azure-api.net', negotiateClientCertificate: negotiate, defaultSslBinding: true, certificateSource: 'BuiltIn' }],
        certificates: [{ encodedCertificate: der64('root-ca.pem'), storeName: 'Root' }, ...(withIntermediate ? [{ encodedCertificate: der64('intermediate-ca.pem'), storeName: 'CertificateAuthority' }] : [])],
      },
    },
    // a certificate entity uploaded as a .cer (base64 DER, no key): what issuer-certificate-id names
    { type: 'Microsoft.ApiManagement/service/certificates', name: 's/issuing-ca', dependsOn: ['s'], properties: { data: der64('intermediate-ca.pem') } },
    { type: 'Microsoft.ApiManagement/service/apis', name: 's/echo', dependsOn: ['s'], properties: { path: 'echo', protocols: ['https'], subscriptionRequired: false, serviceUrl: 'https://backend.example.net' } },
    { type: 'Microsoft.ApiManagement/service/apis/operations', name: 's/echo/get', dependsOn: ['s/echo'], properties: { method: 'GET', urlTemplate: '/' } },
    { type: 'Microsoft.ApiManagement/service/apis/policies', name: 's/echo/policy', dependsOn: ['s/echo'], properties: { format: 'rawxml', value: POLICY } },
  ];
  deploy({ deploymentName: 'd', template: { resources } }, options);
  return buildServiceConfig(store, store.listResources({ type: 'Microsoft.ApiManagement/service' })[0]!);
}

function call(url: string, cert?: string, chain = false) {
  return getWithClientCertificate(`${url}/echo/`, {
    ca: file(SERVER, 'server.pem'),
    ...(cert ? { cert: file(CERTS, `${cert}.pem`) + (chain ? file(CERTS, 'intermediate-ca.pem') : ''), key: file(CERTS, `${cert}-key.pem`) } : {}),
  });
}

describe('client certificates through the deployed service and its https listener', () => {
  let listeners: ListenerPair;
  const clock = new ManualClock(Date.UTC(2027, 0, 1));
  const logger = memoryLogger();
  const httpClient = createHttpClient({});
  const gateway = createGateway({ httpClient, tokens: new FakeTokens(clock), clock, logger, ids: sequentialIds() });
  beforeAll(async () => {
    listeners = await startListenerPair(gateway.handler, { tls: { cert: file(SERVER, 'server.pem'), key: file(SERVER, 'server-key.pem') }, logger, name: 'apim s' });
  });
  afterAll(async () => {
    await listeners.close();
    await httpClient.close();
  });

  it('ARM settings reach the service config: negotiation and the CA certificates', () => {
    const config = deployed(true);
    expect(config.negotiateClientCertificate).toBe(true);
    expect(config.caCertificates?.map((c) => c.storeName)).toEqual(['Root', 'CertificateAuthority']);
    expect(deployed(false).negotiateClientCertificate).toBeUndefined();
  });

  it('negotiating: the presented certificate is validated and seen by expressions; none or an untrusted one is 401', async () => {
    const config = deployed(true);
    gateway.setService(compileService(config, { logger }));
    listeners.requestClientCertificates(config.negotiateClientCertificate === true);
    const ok = await call(listeners.httpsUrl, 'client');
    expect(ok).toMatchObject({ status: 200, body: THUMBPRINT });
    const none = await call(listeners.httpsUrl);
    expect(none).toMatchObject({ status: 401, body: '{ "statusCode": 401, "message": "Invalid client certificate" }', reason: 'ClientCertificateMissing' });
    expect((await call(listeners.httpsUrl, 'untrusted-client')).reason).toBe('ClientCertificateNotTrusted');
    // trusted (its chain ends at the root) but not issued by the certificate entity 'issuing-ca'
    expect((await call(listeners.httpsUrl, 'crl-client')).reason).toBe('ClientCertificateIdentityNotMatched');
  });

  it('intermediates the client sends with its certificate complete the chain to a trusted root', async () => {
    const config = deployed(true, false);
    gateway.setService(compileService(config, { logger }));
    listeners.requestClientCertificates(true);
    expect((await call(listeners.httpsUrl, 'client')).reason).toBe('ClientCertificateNotTrusted');
    expect(await call(listeners.httpsUrl, 'client', true)).toMatchObject({ status: 200, body: THUMBPRINT });
  });

  it('not negotiating: the listener does not ask, so context.Request.Certificate is null even when the client has one', async () => {
    const config = deployed(false);
    gateway.setService(compileService(config, { logger }));
    listeners.requestClientCertificates(config.negotiateClientCertificate === true);
    expect((await call(listeners.httpsUrl, 'client')).reason).toBe('ClientCertificateMissing');
  });

  it('a PEM with markers in the certificates property is refused as Azure refuses it', () => {
    const { options } = setup();
    expect(() => deploy({ deploymentName: 'd', template: { resources: [{ type: 'Microsoft.ApiManagement/service', name: 's', properties: {
      publisherEmail: 'a@b.c', publisherName: 'n', certificates: [{ encodedCertificate: file(CERTS, 'intermediate-ca.pem'), storeName: 'CertificateAuthority' }],
    } }] } }, options)).toThrow("The certificate's data file format associated with Intermediates must be a Base64-encoded .pfx file");
  });
});

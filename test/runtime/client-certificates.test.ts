/**
 * Client certificates through the running twin: the reconciler makes a service's https listener ask for a client
 * certificate when its ARM resource negotiates one, trusts the service's CA certificates, and turns it off again when a
 * redeploy drops the setting (docs/behaviour/apim.md §2).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { getWithClientCertificate } from '../helpers/client-certificate-call.js';

const CERTS = join(import.meta.dirname, '..', 'fixtures', 'client-certificates');
const file = (name: string) => readFileSync(join(CERTS, name), 'utf8');
const der64 = (name: string) => new X509Certificate(file(name)).raw.toString('base64');
const POLICY = `<policies><inbound><base/><validate-client-certificate validate-revocation="false"><identities><identity common-name="Client 01"/></identities></validate-client-certificate>
  <return-response><set-status code="200"/><set-body>@(context.Request.Certificate.SubjectName.Name)</set-body></return-response></inbound>
  <backend><base/></backend><outbound><base/></outbound><on-error><base/><set-header name="x-reason" exists-action="override"><value>@(context.LastError.Reason)</value></set-header></on-error></policies>`;
const template = (negotiate: boolean) => ({
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [
    { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 'certapim', location: 'westeurope', sku: { name: 'Developer', capacity: 1 },
      properties: { publisherEmail: 'a@b.c', publisherName: 'n',
        hostnameConfigurations: [{ type: 'Proxy', hostName: 'certapim.azure-api.net', negotiateClientCertificate: negotiate, defaultSslBinding: true, certificateSource: 'BuiltIn' }],
        certificates: [{ encodedCertificate: der64('root-ca.pem'), storeName: 'Root' }, { encodedCertificate: der64('intermediate-ca.pem'), storeName: 'CertificateAuthority' }] } },
    { type: 'Microsoft.ApiManagement/service/apis', apiVersion: '2022-08-01', name: 'certapim/who', dependsOn: ['certapim'], properties: { path: 'who', protocols: ['https'], subscriptionRequired: false, serviceUrl: 'https://example.net' } },
    { type: 'Microsoft.ApiManagement/service/apis/operations', apiVersion: '2022-08-01', name: 'certapim/who/get', dependsOn: ["[resourceId('Microsoft.ApiManagement/service/apis', 'certapim', 'who')]"], properties: { method: 'GET', urlTemplate: '/' } },
    { type: 'Microsoft.ApiManagement/service/apis/policies', apiVersion: '2022-08-01', name: 'certapim/who/policy', dependsOn: ["[resourceId('Microsoft.ApiManagement/service/apis', 'certapim', 'who')]"], properties: { format: 'rawxml', value: POLICY } },
  ],
});

describe('client certificates through the running twin', () => {
  let twin: Twin;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-certs-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b17', subscriptionId: '1a2b3c4d-0000-4000-8000-000000000017', resourceGroup: 'rg-certs', location: 'westeurope', controlPlaneAuth: false, clock: systemClock, ids: randomIds, logger: silentLogger });
    await twin.deploy({ deploymentName: 'certs', template: template(true) });
  });
  afterAll(async () => {
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = (cert?: string) =>
    getWithClientCertificate(`${twin.ready().apim.certapim!.gatewayUrl}/who/`, {
      ca: readFileSync(twin.ready().caCertificate, 'utf8'),
      ...(cert ? { cert: file(`${cert}.pem`), key: file(`${cert}-key.pem`) } : {}),
    });

  it('negotiateClientCertificate: the presented certificate is validated against the service\'s CA certificates', async () => {
    expect(await call('client')).toMatchObject({ status: 200, body: 'CN=Client 01, O="Contoso, Inc.", C=US' });
    expect(await call('untrusted-client')).toMatchObject({ status: 401, reason: 'ClientCertificateNotTrusted' });
    expect(await call()).toMatchObject({ status: 401, body: '{ "statusCode": 401, "message": "Invalid client certificate" }', reason: 'ClientCertificateMissing' });
  });

  it('a redeploy without negotiation: the listener stops asking', async () => {
    await twin.deploy({ deploymentName: 'certs2', template: template(false) });
    expect(await call('client')).toMatchObject({ status: 401, reason: 'ClientCertificateMissing' });
  });
});

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, HostTable, ManualClock, memoryLogger, sequentialIds } from '../../../src/core/index.js';
import { compileService, createGateway } from '../../../src/gateway/index.js';
import { close, FakeTokens, listen, seedConfig } from '../helpers.js';
import { inbound, run } from './run.js';

/** authentication-certificate (docs/behaviour/apim.md §2): the backend call presents a client certificate. */
const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'certificates');
const PFX = readFileSync(join(DIR, 'client.pfx'));
const THUMBPRINT = '313887D34B9D5E4D4D380D77FBF0CA6026757FFB';
const withPfx = { namedValues: { pfx: PFX.toString('base64') } };

describe('authentication-certificate (trustline policy run)', () => {
  it('body (PKCS#12 bytes from an expression) and password: the certificate is opened and noted in the trace', async () => {
    const r = await run(inbound('<authentication-certificate body="@(Convert.FromBase64String(&quot;{{pfx}}&quot;))" password="trustline"/>'), {}, withPfx);
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.trace)).toContain(THUMBPRINT);
  });

  it('a wrong password, or a thumbprint / certificate-id the service lacks: 500 with LastError CertificateNotFound', async () => {
    const onError = '<on-error><set-header name="X-E" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason)</value></set-header></on-error>';
    for (const policy of ['<authentication-certificate body="@(Convert.FromBase64String(&quot;{{pfx}}&quot;))" password="wrong"/>', `<authentication-certificate thumbprint="${THUMBPRINT}"/>`, '<authentication-certificate certificate-id="nope"/>']) {
      const r = await run(inbound(policy).replace('<on-error/>', onError), {}, withPfx);
      expect(r.status).toBe(500);
      expect(r.headers['x-e']).toBe('authentication-certificate/CertificateNotFound');
      expect(r.backendRequest).toBeNull();
    }
  });

  it('load errors: none or two of thumbprint/certificate-id/body, password without body, outside inbound', async () => {
    await expect(run(inbound('<authentication-certificate/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound('<authentication-certificate thumbprint="A" certificate-id="b"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound('<authentication-certificate thumbprint="A" password="x"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run('<policies><inbound/><outbound><authentication-certificate thumbprint="A"/></outbound></policies>')).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_SECTION' });
  });
});

describe('authentication-certificate through a gateway to a backend that asks for client certificates', () => {
  let backend: Server;
  let origin: string;
  beforeAll(async () => {
    backend = createServer({ cert: readFileSync(join(DIR, 'server.pem')), key: readFileSync(join(DIR, 'server-key.pem')), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(peer && peer.fingerprint ? peer.fingerprint.replace(/:/g, '') : 'none');
    });
    origin = (await listen(backend as unknown as import('node:http').Server)).replace('http:', 'https:');
  });
  afterAll(async () => { backend.closeAllConnections(); await close(backend as unknown as import('node:http').Server); });

  const gatewayWith = async (policy: string) => {
    const hosts = new HostTable();
    hosts.set('backend.test', { https: origin });
    const httpClient = createHttpClient({ resolver: hosts, ca: readFileSync(join(DIR, 'server.pem'), 'utf8') });
    const clock = new ManualClock();
    const logger = memoryLogger();
    const cfg = seedConfig({ certificates: [{ id: 'client-cert', data: PFX.toString('base64'), password: 'trustline' }] }, policy);
    cfg.apis[0]!.serviceUrl = 'https://backend.test/api';
    const gateway = createGateway({ httpClient, tokens: new FakeTokens(clock), clock, logger, ids: sequentialIds() });
    gateway.setService(compileService(cfg, { logger }));
    const { createServer: createHttp } = await import('node:http');
    const server = createHttp(gateway.handler);
    const url = await listen(server);
    return { url, async stop() { await close(server); await httpClient.close(); } };
  };

  it('certificate-id or thumbprint of a deployed certificate: the backend sees it; without the policy it sees none', async () => {
    for (const [policy, expected] of [
      ['<authentication-certificate certificate-id="client-cert"/>', THUMBPRINT],
      [`<authentication-certificate thumbprint="${THUMBPRINT.toLowerCase()}"/>`, THUMBPRINT],
      ['', 'none'],
    ] as const) {
      const g = await gatewayWith(`<policies><inbound>${policy}</inbound><backend><forward-request/></backend></policies>`);
      try {
        const res = await fetch(`${g.url}/functions/hello`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe(expected);
      } finally { await g.stop(); }
    }
  });

  it('inside send-request the certificate goes on that call only; the main call presents none', async () => {
    const g = await gatewayWith(`<policies><inbound><send-request mode="new" response-variable-name="side" timeout="10">
      <set-url>https://backend.test/side</set-url><set-method>GET</set-method><authentication-certificate certificate-id="client-cert"/></send-request>
      <set-header name="X-Side" exists-action="override"><value>@(((IResponse)context.Variables["side"]).Body.As&lt;string&gt;())</value></set-header></inbound>
      <backend><forward-request/></backend><outbound><set-header name="X-Side" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("X-Side", ""))</value></set-header></outbound></policies>`);
    try {
      const res = await fetch(`${g.url}/functions/hello`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-side')).toBe(THUMBPRINT);
      expect(await res.text()).toBe('none');
    } finally { await g.stop(); }
  });

  it('a certificate that does not open fails the compile (and so the deployment) with ERR_APIM_CERTIFICATE', () => {
    const cfg = seedConfig({ certificates: [{ id: 'bad', data: PFX.toString('base64'), password: 'wrong' }] });
    expect(() => compileService(cfg, { logger: memoryLogger() })).toThrow(expect.objectContaining({ code: 'ERR_APIM_CERTIFICATE' }));
  });
});

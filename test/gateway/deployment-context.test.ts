// context.Deployment in the deployed gateway: the service's name, id, location and certificates (with private keys).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { close, seedConfig, startBackend, startGateway } from './helpers.js';

const PFX = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'certificates', 'client.pfx'));
const THUMBPRINT = '313887D34B9D5E4D4D380D77FBF0CA6026757FFB';

describe('context.Deployment at the gateway', () => {
  it('ServiceName, ServiceId, Region (the service location), GatewayId, Gateway{Id, InstanceId, IsManaged} and Certificates by thumbprint', async () => {
    const policy = `<policies><inbound><base />
      <set-header name="x-deployment" exists-action="override"><value>@(context.Deployment.ServiceName + "|" + context.Deployment.Region + "|" + context.Deployment.GatewayId + "|" + context.Deployment.ServiceId)</value></set-header>
      <set-header name="x-gateway" exists-action="override"><value>@(context.Deployment.Gateway.Id + "|" + context.Deployment.Gateway.InstanceId + "|" + context.Deployment.Gateway.IsManaged.ToString())</value></set-header>
      <set-header name="x-certs" exists-action="override"><value>@(context.Deployment.Certificates.Count + "|" + context.Deployment.Certificates["${THUMBPRINT}"].HasPrivateKey)</value></set-header>
    </inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`;
    const backend = await startBackend();
    const cfg = seedConfig({ location: 'northeurope', certificates: [{ id: 'client-cert', data: PFX.toString('base64'), password: 'trustline' }] }, policy);
    const gw = await startGateway(cfg, backend.origin);
    try {
      const res = await fetch(`${gw.origin}/functions/hello`);
      expect(res.status).toBe(200);
      await res.text();
      const seen = backend.seen.at(-1)!.headers;
      expect(seen['x-deployment']).toBe(`trustline-apim|northeurope|managed|${cfg.resourceId}`);
      expect(seen['x-gateway']).toBe('managed|managed|True');
      expect(seen['x-certs']).toBe('1|True');
    } finally {
      await gw.stop();
      await close(backend.server);
    }
  });
});

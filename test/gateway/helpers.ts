import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { createHttpClient, HostTable, ManualClock, memoryLogger, sequentialIds } from '../../src/core/index.js';
import { compileService, createGateway, type GatewayCompatFlags, type GatewayOptions, type ManagedIdentityTokenProvider, type ServiceConfig } from '../../src/gateway/index.js';

export interface SeenRequest { method: string; url: string; headers: IncomingMessage['headers']; body: string }

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A backend that records requests and answers JSON `{ok:true}`. */
export async function startBackend(): Promise<{ server: Server; origin: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': 'yes' });
      res.end('{"ok":true}');
    });
  });
  return { server, origin: await listen(server), seen };
}

export class FakeTokens implements ManagedIdentityTokenProvider {
  calls: Array<{ resource: string; clientId?: string }> = [];
  fail = false;
  #gate: Promise<void> | undefined;
  constructor(readonly clock: ManualClock, readonly lifetimeSeconds = 3600) {}
  /** Hold every token request until the returned function is called. */
  hold(): () => void {
    let open!: () => void;
    this.#gate = new Promise<void>((r) => (open = r));
    return () => { this.#gate = undefined; open(); };
  }
  async getToken(req: { resource: string; clientId?: string }) {
    this.calls.push(req);
    if (this.#gate) await this.#gate;
    if (this.fail) throw new Error('identity endpoint answered 500');
    const n = this.calls.length;
    return { accessToken: `tok-${n}-${req.resource}`, expiresOnSeconds: Math.floor(this.clock.now() / 1000) + this.lifetimeSeconds };
  }
}

export const SEED_API_POLICY = `<policies>
  <inbound>
    <base />
    <authentication-managed-identity resource="api://11111111-2222-3333-4444-555555555555" output-token-variable-name="msi-access-token" ignore-error="false" />
    <set-header name="Authorization" exists-action="override">
      <value>@("Bearer " + (string)context.Variables["msi-access-token"])</value>
    </set-header>
  </inbound>
  <backend>
    <base />
  </backend>
  <outbound>
    <base />
  </outbound>
  <on-error>
    <base />
  </on-error>
</policies>`;

export function seedConfig(overrides: Partial<ServiceConfig> = {}, apiPolicy = SEED_API_POLICY): ServiceConfig {
  return {
    name: 'trustline-apim',
    hostName: 'trustline-apim.azure-api.net',
    resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/trustline-apim',
    apis: [{
      id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/trustline-apim/apis/functions',
      name: 'functions',
      path: 'functions',
      serviceUrl: 'http://trustline-func.azurewebsites.net/api',
      protocols: ['http', 'https'],
      subscriptionRequired: false,
      policy: { format: 'rawxml', value: apiPolicy },
      operations: [{ id: 'op-hello', name: 'hello', method: 'GET', urlTemplate: '/hello' }],
    }],
    backends: [],
    namedValues: [],
    ...overrides,
  };
}

/** Gateway listening on 127.0.0.1 with the backend reached through a HostTable. */
export async function startGateway(
  config: ServiceConfig, backendOrigin: string, clock = new ManualClock(), tokens = new FakeTokens(clock), flags: Partial<GatewayCompatFlags> = {},
  extra: Pick<GatewayOptions, 'onDecision' | 'onEvent'> = {},
) {
  const hosts = new HostTable();
  hosts.set('trustline-func.azurewebsites.net', { http: backendOrigin });
  const httpClient = createHttpClient({ resolver: hosts });
  const logger = memoryLogger();
  const gateway = createGateway({ httpClient, tokens, clock, logger, ids: sequentialIds(), flags, ...extra });
  gateway.setService(compileService(config, { logger, flags }));
  const server = createServer(gateway.handler);
  const origin = await listen(server);
  return {
    origin, tokens, clock, logger, gateway,
    async stop() { await close(server); await httpClient.close(); },
  };
}

/**
 * For a describe block: a stub backend started before its tests, and the gateways the tests start (push them to
 * `gateways`), all stopped after them.
 */
export function gatewaySuite(): { backend: Awaited<ReturnType<typeof startBackend>>; gateways: Array<{ stop(): Promise<void> }> } {
  const suite = { backend: undefined as unknown as Awaited<ReturnType<typeof startBackend>>, gateways: [] as Array<{ stop(): Promise<void> }> };
  beforeAll(async () => { suite.backend = await startBackend(); });
  afterAll(async () => {
    for (const g of suite.gateways) await g.stop();
    await close(suite.backend.server);
  });
  return suite;
}

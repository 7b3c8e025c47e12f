/**
 * `--backend SITE=URL`: the user's own function host behind the site's Easy Auth. The host here parses
 * the identity headers with @azure/functions, as a Node function does in Azure.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { SEED, TENANT } from '../helpers/seed.js';

const { HttpRequest } = createRequire(import.meta.url)('@azure/functions') as typeof import('@azure/functions');

describe('the user’s own function host behind Easy Auth', () => {
  let host: Server;
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  const calls: string[] = [];

  beforeAll(async () => {
    host = createServer((req, res) => {
      calls.push(req.url ?? '');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const fnReq = new HttpRequest({ method: req.method ?? 'GET', url: `https://${req.headers.host}${req.url}`, headers });
      let user: unknown;
      let userError: string | undefined;
      try {
        user = fnReq.user;
      } catch (e) {
        userError = (e as Error).message;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ user: user ?? null, userError: userError ?? null, principalId: fnReq.headers.get('x-ms-client-principal-id') }));
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    dir = mkdtempSync(join(tmpdir(), 'trustline-backend-'));
    twin = await startTwin({
      stateDir: dir,
      inMemory: true,
      tenantId: TENANT,
      subscriptionId: '1a2b3c4d-0000-4000-8000-000000000002',
      resourceGroup: 'rg',
      location: 'westeurope',
      backends: { 'trustline-func': `http://127.0.0.1:${(host.address() as AddressInfo).port}` },
      clock: systemClock,
      ids: randomIds,
      logger: silentLogger,
    });
    await twin.deploy({ deploymentName: 'seed', template: loadTemplateFile(join(SEED, 'azuredeploy.json')), parameters: loadParametersFile(join(SEED, 'azuredeploy.parameters.json')) });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    host?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('receives the APIM identity; request.user throws for the missing user name, as in Azure (azure-functions-nodejs-library#374)', async () => {
    const res = await request(`${twin.ready().apim['trustline-apim']!.gatewayUrl}/functions/hello`, { dispatcher: tls });
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { user: unknown; userError: string | null; principalId: string };
    expect(body.principalId).toBe(twin.ready().apim['trustline-apim']!.principalId);
    expect(body.user).toBeNull();
    expect(body.userError).toMatch(/user-name/);
    expect(calls).toEqual(['/api/hello']);
  });

  it('is never called for a request without a token', async () => {
    const res = await request(`${twin.ready().sites['trustline-func']!.url}/api/hello`, { dispatcher: tls });
    expect(res.statusCode).toBe(401);
    await res.body.dump();
    expect(calls).toEqual(['/api/hello']);
  });
});

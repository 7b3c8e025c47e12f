/**
 * examples/mistakes/: the misconfigurations users meet in Azure as a bare 401/403, each deployed
 * over the seed in one twin, answered as Azure answers, and explained in the log.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { memoryLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { ROOT } from '../helpers/cli-process.js';
import { APP_CLIENT_ID, SEED, TENANT } from '../helpers/seed.js';

const example = (name: string) => join(ROOT, 'examples', 'mistakes', name);

describe('examples/mistakes', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  const logger = memoryLogger();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-mistakes-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000004', resourceGroup: 'rg', location: 'westeurope', clock: systemClock, ids: randomIds, logger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deploy = (folder: string) =>
    twin.deploy({ deploymentName: folder.split('/').pop()!, template: loadTemplateFile(join(folder, 'azuredeploy.json')), parameters: loadParametersFile(join(folder, 'azuredeploy.parameters.json')) });
  const callGateway = async () => {
    logger.lines.length = 0;
    const res = await request(`${twin.ready().apim['trustline-apim']!.gatewayUrl}/functions/hello`, { dispatcher: tls });
    await res.body.dump();
    return { status: res.statusCode, challenge: res.headers['www-authenticate'], log: logger.lines.join('\n') };
  };

  it('the seed itself passes (control)', async () => {
    await deploy(SEED);
    expect((await callGateway()).status).toBe(200);
  });

  it('no-token-policy: APIM attaches no token → 401 from Easy Auth, explained', async () => {
    await deploy(example('no-token-policy'));
    const r = await callGateway();
    expect(r.status).toBe(401);
    expect(String(r.challenge)).toMatch(/^Bearer /);
    expect(r.log).toContain('site trustline-func: 401 GET /api/hello: credential: no bearer token; unauthenticated-action: Return401');
  });

  it('api-uri-audience: aud api://{clientId} is not an allowed audience → 401, explained', async () => {
    await deploy(example('api-uri-audience'));
    const r = await callGateway();
    expect(r.status).toBe(401);
    expect(r.log).toContain(`site trustline-func: 401 GET /api/hello: audience: aud 'api://${APP_CLIENT_ID}' is neither the clientId nor in allowedAudiences []`);
  });

  it("allowed-applications-self: the portal's default client requirement refuses APIM → 403, explained", async () => {
    await deploy(example('allowed-applications-self'));
    const r = await callGateway();
    expect(r.status).toBe(403);
    const apimClientId = twin.ready().apim['trustline-apim']!.clientId!;
    expect(r.log).toMatch(new RegExp(`site trustline-func: 403 GET /api/hello: .*${apimClientId}`));
  });
});

/**
 * One template registers the Easy Auth app with Bicep's Microsoft Graph extension and configures the site's
 * authsettingsV2 with its appId: a managed identity's token for the app's identifier URI passes the site's Easy Auth.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { graphEasyAuthTemplate } from '../arm/helpers/graph-template.js';

const SUB = '1a2b3c4d-0000-4000-8000-0000000000c1';
const RG = 'rg-graph';

describe('Microsoft Graph app registration + authsettingsV2 in one template', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-graph-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2bc1', subscriptionId: SUB, resourceGroup: RG, location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a token for the Graph-made app's identifier URI passes Easy Auth; no token is 401", async () => {
    const result = await twin.deploy({ deploymentName: 'graph', template: graphEasyAuthTemplate });
    const appId = result.outputs['appId']!.value as string;
    const url = `${twin.ready().sites['graphsite']!.url}/api/hello`;
    const anonymous = await request(url, { dispatcher: tls });
    await anonymous.body.dump();
    expect(anonymous.statusCode).toBe(401);
    const token = await twin.identity.issueManagedIdentityToken({
      resource: 'api://graphsite',
      miResId: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/graph-caller`,
    });
    const claims = JSON.parse(Buffer.from(token.access_token.split('.')[1]!, 'base64url').toString('utf8')) as { aud: string; ver: string };
    // requestedAccessTokenVersion 2: a v2 token, audience the appId.
    expect(claims).toMatchObject({ aud: appId, ver: '2.0' });
    const called = await request(url, { dispatcher: tls, headers: { authorization: `Bearer ${token.access_token}` } });
    await called.body.dump();
    expect(called.statusCode).toBe(200);
  });
});

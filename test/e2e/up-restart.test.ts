/**
 * `trustline up` again on its own state folder: start-up deployments that nothing changed are not evaluated again
 * (runtime/deployment-reuse.ts), and the twin serves exactly what it served before; a changed deploy option runs them.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { decodeJwt } from 'jose';
import { openStore } from '../../src/state/index.js';
import type { ReadyInfo } from '../../src/runtime/index.js';
import { startCli, waitForReadyFile } from '../helpers/cli-process.js';
import { SEED } from '../helpers/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'trustline-restart-'));
const stateDir = join(dir, 'state');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a client sees of a running twin, with what differs on every start by design taken out (ports, times, token ids). */
interface Served {
  ready: unknown;
  gateway: { status: number; body: unknown; claims: Record<string, unknown> };
  siteWithoutToken: { status: number; headers: Record<string, unknown>; body: string };
  discovery: unknown;
  jwks: unknown;
}

async function start(extra: string[] = []): Promise<{ served: Served; output: string }> {
  const readyFile = join(dir, 'ready.json');
  const cli = startCli(['up', SEED, '--state', stateDir, '--ready-file', readyFile, '--log-level', 'info', ...extra]);
  try {
    const ready = await waitForReadyFile<ReadyInfo>(readyFile, cli);
    const tls = new Agent({ connect: { ca: readFileSync(ready.caCertificate, 'utf8') } });
    try {
      const apim = ready.apim['trustline-apim']!;
      const site = ready.sites['trustline-func']!;
      const port = /127\.0\.0\.1:\d+/g;
      const viaGateway = await request(`${apim.gatewayUrl}/functions/hello?x=1`, { dispatcher: tls });
      const echoed = (await viaGateway.body.json()) as { headers: Record<string, string> } & Record<string, unknown>;
      const claims = decodeJwt(echoed.headers.authorization!.replace(/^Bearer /, '')) as Record<string, unknown>;
      for (const k of ['iat', 'nbf', 'exp', 'uti', 'aio', 'rh']) delete claims[k];
      const headers = Object.fromEntries(Object.entries(echoed.headers).filter(([k]) => !/^(authorization|x-ms-token-aad-access-token|x-ms-token-aad-expires-on|x-ms-client-principal|x-arr-log-id|x-ms-request-id|x-forwarded-for|x-client-port|x-original-url|client-ip|disguised-host|x-site-deployment-id|x-waws-unencoded-url|was-default-hostname|max-forwards|x-appservice-proto|x-forwarded-tlsversion|x-ms-apim-.*|request-id|traceparent|connection|content-length)$/.test(k)));
      const noToken = await request(`${site.url}/api/hello`, { dispatcher: tls });
      const discovery = await request(`${ready.identity.authority}/v2.0/.well-known/openid-configuration`, { dispatcher: tls });
      const jwks = await request(`${ready.identity.authority}/discovery/v2.0/keys`, { dispatcher: tls });
      const served: Served = {
        ready: { ...ready, identity: { ...ready.identity, identityHeader: 'random on every start' } },
        gateway: { status: viaGateway.statusCode, body: { ...echoed, headers }, claims },
        siteWithoutToken: {
          status: noToken.statusCode,
          headers: Object.fromEntries(Object.entries(noToken.headers).filter(([k]) => k === 'www-authenticate' || k === 'content-type')),
          body: await noToken.body.text(),
        },
        discovery: await discovery.body.json(),
        jwks: await jwks.body.json(),
      };
      return { served: JSON.parse(JSON.stringify(served).replace(port, '127.0.0.1:PORT')) as Served, output: cli.output() };
    } finally {
      await tls.close();
    }
  } finally {
    await cli.stop();
  }
}

function stateSnapshot(): { resources: string; directory: string; deploymentTimestamp: unknown } {
  const store = openStore({ dir: stateDir });
  try {
    const resources = store.listResources();
    const deployment = resources.find((r) => r.type.toLowerCase() === 'microsoft.resources/deployments');
    return {
      resources: JSON.stringify(resources),
      directory: JSON.stringify(store.listDirectoryObjects()),
      deploymentTimestamp: (deployment?.properties as Record<string, unknown> | undefined)?.['timestamp'],
    };
  } finally {
    store.close();
  }
}

describe('trustline up on a persisted state folder', () => {
  it('an unchanged start serves what the first one served without deploying again; a changed option deploys', async () => {
    const first = await start();
    expect(first.output).not.toContain('unchanged since the last start');
    const afterFirst = stateSnapshot();
    expect(afterFirst.deploymentTimestamp).toEqual(expect.any(String));

    const second = await start();
    expect(second.output).toContain('unchanged since the last start');
    expect(second.output).toContain('deployed');
    expect(second.served).toEqual(first.served);
    // Nothing was written: the deployment record is the first start's, every resource and directory object as it was.
    expect(stateSnapshot()).toEqual(afterFirst);

    // Another deploy option (--loose) evaluates the templates again: a new deployment record, the same service.
    const third = await start(['--loose']);
    expect(third.output).not.toContain('unchanged since the last start');
    expect(stateSnapshot().deploymentTimestamp).not.toEqual(afterFirst.deploymentTimestamp);
    expect(third.served).toEqual(first.served);
  }, 180_000);
});

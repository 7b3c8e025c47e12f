/**
 * A ready file whose twin is gone (stopped by kill -9, which leaves the file behind): each command that calls the twin
 * says that nothing answers there and what to do, with exit code 1 (the command line is right: the twin is not running), instead of "fetch failed" or a bare ECONNREFUSED.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { loadOrCreateLocalTls } from '../../src/runtime/index.js';
import { main } from '../../src/cli/index.js';
import { SEED } from '../helpers/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'trustline-unreachable-'));
const readyFile = join(dir, 'ready.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('a ready file left by a twin that is gone', () => {
  let port = 0;
  beforeAll(async () => {
    const tls = await loadOrCreateLocalTls(join(dir, 'state'), silentLogger);
    port = await closedPort();
    const https = `https://127.0.0.1:${port}`;
    const http = `http://127.0.0.1:${port}`;
    writeFileSync(readyFile, JSON.stringify({
      controlPlane: https, tenantId: '3f9c2b1a-7d4e-4c6b-9a8f-1e2d3c4b5a69', caCertificate: tls.caFile, controlPlaneAuth: false,
      identity: { authority: `${https}/3f9c2b1a-7d4e-4c6b-9a8f-1e2d3c4b5a69`, identityEndpoint: `${http}/msi/token`, identityHeader: 'h', imdsEndpoint: http },
      sites: { f: { url: https, httpUrl: http, hostName: 'f.azurewebsites.net' } },
      apim: { a: { gatewayUrl: https, httpGatewayUrl: http, hostName: 'a.azure-api.net', principalId: 'p', apis: [{ name: 'x', path: 'x', operations: [{ name: 'o', method: 'GET', urlTemplate: '/o' }] }] } },
    }));
  });

  it('test, explain, token, directory, keys, deploy: ERR_TWIN_UNREACHABLE naming the address, exit 1', async () => {
    for (const argv of [['test'], ['explain'], ['token', '--resource', 'api://x'], ['directory', 'list'], ['keys', 'list'], ['deploy', SEED]]) {
      let err = '';
      const code = await main([...argv, '--ready-file', readyFile], { stdout: () => {}, stderr: (s) => (err += s), cwd: dir });
      expect(code, `${argv.join(' ')}: ${err}`).toBe(1);
      expect(err).toContain(`ERR_TWIN_UNREACHABLE: nothing answers at 127.0.0.1:${port}`);
      expect(err).toContain('is `trustline up` running?');
    }
  });
});

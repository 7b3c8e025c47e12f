/**
 * `trustline easyauth` refuses what it could only serve wrongly, before it listens: a settings body with ARM template
 * expressions (copied from a template), and a taken port names its own flags (it has no --port-base).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';

const dir = mkdtempSync(join(tmpdir(), 'trustline-port-errors-'));
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

async function takePort(): Promise<number> {
  const s = createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

describe('trustline easyauth', () => {
  it('trustline easyauth: the error names --port and --https-port, not up\'s --port-base', async () => {
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ properties: { platform: { enabled: true }, globalValidation: { unauthenticatedClientAction: 'Return401' } } }));
    const port = await takePort();
    let err = '';
    const code = await main(['easyauth', '--settings', settings, '--backend', 'http://127.0.0.1:9', '--port', String(port), '--log-level', 'silent'], {
      stdout: () => {},
      stderr: (s) => (err += s),
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(err).toContain(`ERR_RUNTIME_PORT_IN_USE: cannot listen on 127.0.0.1:${port} for easyauth (http)`);
    expect(err).toContain('--https-port');
    expect(err).not.toContain('--port-base');
  });

  it('a settings body copied from a template (ARM expressions) is a usage error naming the JSON path', async () => {
    const settings = join(dir, 'template-body.json');
    writeFileSync(settings, JSON.stringify({ properties: { platform: { enabled: true }, identityProviders: { azureActiveDirectory: { enabled: true, registration: { openIdIssuer: "[concat('https://sts.windows.net/', parameters('tenantID'), '/')]", clientId: 'x' } } } } }));
    let err = '';
    const code = await main(['easyauth', '--settings', settings, '--backend', 'http://127.0.0.1:9', '--port', '0', '--log-level', 'silent'], { stdout: () => {}, stderr: (s) => (err += s), cwd: dir });
    expect(code).toBe(2);
    expect(err).toContain('ERR_CLI_INPUT');
    expect(err).toContain('properties.identityProviders.azureActiveDirectory.registration.openIdIssuer is an ARM template expression');
    expect(err).toContain('trustline expand');
  });
});

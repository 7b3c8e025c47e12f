/** A taken port names the flags of the command that was run: `trustline easyauth` has no --port-base. */
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

describe('a taken port', () => {
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
});

import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCli } from '../helpers/cli-process.js';
import { SEED } from '../helpers/seed.js';

describe('the ready file means "this twin is up"', () => {
  it('a stale ready file is replaced, and the ready file goes when the twin stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-ready-'));
    const file = join(dir, 'ready.json');
    writeFileSync(file, JSON.stringify({ stale: true }));
    const cli = startCli(['up', SEED, '--in-memory', '--state', join(dir, 'state'), '--ready-file', file, '--log-level', 'warn']);
    try {
      let seen: Record<string, unknown> | undefined;
      for (let i = 0; i < 300 && !seen?.controlPlane; i++) {
        if (cli.child.exitCode !== null) throw new Error(cli.output());
        if (existsSync(file)) seen = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        await sleep(100);
      }
      expect(seen?.controlPlane).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(seen?.stale).toBeUndefined();
      await cli.stop();
      expect(cli.child.exitCode).toBe(0);
      expect(existsSync(file)).toBe(false);
    } finally {
      await cli.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('every https listener in the ready file completes a verified handshake the moment the file appears', async () => {
    // The listeners load their key and certificate after the ready file is written, or on their first connection
    // if it comes earlier (src/runtime/listener.ts): here the connections start as soon as the file exists.
    const dir = mkdtempSync(join(tmpdir(), 'trustline-ready-tls-'));
    const file = join(dir, 'ready.json');
    const appeared = whenWritten(file);
    const cli = startCli(['up', SEED, '--in-memory', '--state', join(dir, 'state'), '--ready-file', file, '--log-level', 'warn']);
    try {
      const exited = new Promise<string>((_, reject) => cli.child.once('exit', () => reject(new Error(cli.output()))));
      const text = await Promise.race([appeared, exited]);
      const ready = JSON.parse(text) as { caCertificate: string };
      const urls = [...new Set(text.match(/https:\/\/127\.0\.0\.1:\d+/g) ?? [])];
      const ca = readFileSync(ready.caCertificate, 'utf8');
      const results = await Promise.all(urls.map((u) => handshake(u, ca)));
      expect(urls.length).toBeGreaterThanOrEqual(4); // control plane, identity, site, gateway
      for (const r of results) expect(r).toContain('DNS:*.azurewebsites.net');
    } finally {
      await cli.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('SIGTERM sent the moment the ready file appears stops the twin cleanly (file and lock removed, exit 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-ready-signal-'));
    const file = join(dir, 'ready.json');
    const appeared = whenWritten(file);
    const cli = startCli(['up', SEED, '--in-memory', '--state', join(dir, 'state'), '--ready-file', file, '--log-level', 'warn']);
    try {
      const exit = new Promise<[number | null, string | null]>((r) => cli.child.once('exit', (code, signal) => r([code, signal])));
      await Promise.race([appeared, exit.then(() => Promise.reject(new Error(cli.output())))]);
      cli.child.kill('SIGTERM');
      expect(await exit).toEqual([0, null]);
      expect(existsSync(file)).toBe(false);
      expect(existsSync(join(dir, 'state', 'up.lock'))).toBe(false);
    } finally {
      await cli.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** The text of `file` as soon as it exists (watching its folder, not polling). */
function whenWritten(file: string): Promise<string> {
  return new Promise<string>((resolve) => {
    const w = watch(dirname(file), () => {
      try {
        const text = readFileSync(file, 'utf8');
        w.close();
        resolve(text);
      } catch {
        // not there yet
      }
    });
  });
}

/** A TLS handshake trusting only the twin's CA: the peer certificate's subject alt names, or why it is not trusted. */
function handshake(url: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port), ca }, () => {
      const san = s.getPeerCertificate().subjectaltname ?? '';
      s.end();
      resolve(s.authorized ? san : `unauthorized: ${String(s.authorizationError)}`);
    });
    s.once('error', reject);
  });
}

/** The local CA and the server certificate are kept in the state folder and served again (start-up, issue 8). */
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, issueServerCertificate, serverCertificateStillGood, silentLogger } from '../../src/core/index.js';
import { loadOrCreateLocalTls, TWIN_DNS_NAMES } from '../../src/runtime/local-ca.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'trustline-ca-'));
  dirs.push(d);
  return join(d, 'state');
};

describe('local TLS material', () => {
  it('a second start serves the same server certificate (no key generated), kept 0600', async () => {
    const dir = scratch();
    const a = await loadOrCreateLocalTls(dir, silentLogger);
    const b = await loadOrCreateLocalTls(dir, silentLogger);
    expect(b.server.cert).toBe(a.server.cert);
    expect(b.ca.cert).toBe(a.ca.cert);
    if (process.platform !== 'win32') {
      expect(statSync(join(dir, 'server-key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'server.pem')).mode & 0o777).toBe(0o600);
    }
    const san = new X509Certificate(b.server.cert).subjectAltName ?? '';
    for (const n of TWIN_DNS_NAMES) expect(san).toContain(`DNS:${n}`);
  });

  it('a server certificate from another CA, or missing a name, is issued again', async () => {
    const dir = scratch();
    const a = await loadOrCreateLocalTls(dir, silentLogger);
    const otherCa = await createCertificateAuthority('other');
    const foreign = await issueServerCertificate(otherCa, { dns: TWIN_DNS_NAMES, ip: ['127.0.0.1', '::1'] });
    writeFileSync(join(dir, 'server.pem'), foreign.cert);
    writeFileSync(join(dir, 'server-key.pem'), foreign.key);
    const b = await loadOrCreateLocalTls(dir, silentLogger);
    expect(b.server.cert).not.toBe(foreign.cert);
    expect(new X509Certificate(b.server.cert).checkIssued(new X509Certificate(a.ca.cert))).toBe(true);
    expect(serverCertificateStillGood(b.server, a.ca, { dns: [...TWIN_DNS_NAMES, 'new.example'], ip: ['127.0.0.1'] })).toBe(false);
    expect(serverCertificateStillGood(b.server, a.ca, { dns: TWIN_DNS_NAMES, ip: ['127.0.0.1', '::1'] })).toBe(true);
    expect(serverCertificateStillGood(b.server, a.ca, { dns: TWIN_DNS_NAMES }, new Date(Date.now() + 824 * 86400_000))).toBe(false);
    expect(readFileSync(join(dir, 'server.pem'), 'utf8')).toBe(b.server.cert);
  });
});

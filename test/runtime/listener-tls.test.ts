/**
 * https listeners load their key and certificate after the twin is ready (src/runtime/listener.ts, start-up): a
 * connection that arrives before that loads them at once and gets a valid handshake.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { connect } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/index.js';
import { loadOrCreateLocalTls, type LocalTls } from '../../src/runtime/local-ca.js';
import { armDeferredTls, startListenerPair, type ListenerPair } from '../../src/runtime/listener.js';

const dir = mkdtempSync(join(tmpdir(), 'trustline-listener-tls-'));
let tls: LocalTls;
beforeAll(async () => {
  tls = await loadOrCreateLocalTls(join(dir, 'state'), silentLogger);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A TLS handshake with the twin's CA as the only trust anchor: the peer certificate's subject alt names, or the error. */
function handshake(url: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port), ca, servername: 'trustline-func.azurewebsites.net' }, () => {
      const san = s.getPeerCertificate().subjectaltname ?? '';
      s.end();
      resolve(s.authorized ? san : `unauthorized: ${String(s.authorizationError)}`);
    });
    s.once('error', reject);
  });
}

async function pair(): Promise<ListenerPair> {
  return startListenerPair((_req, res) => res.end('ok'), { tls: tls.server, logger: silentLogger, name: 'test' });
}

describe('https listeners with deferred TLS contexts', () => {
  it('a connection before armDeferredTls() gets a valid handshake (the listener loads its context first)', async () => {
    const l = await pair();
    try {
      expect(await handshake(l.httpsUrl, tls.ca.cert)).toContain('DNS:*.azurewebsites.net');
      // a second connection on the armed listener
      expect(await handshake(l.httpsUrl, tls.ca.cert)).toContain('IP Address:127.0.0.1');
    } finally {
      await l.close();
    }
  });

  it('armDeferredTls() loads every waiting listener; each then serves https', async () => {
    const ls = await Promise.all([pair(), pair(), pair()]);
    try {
      armDeferredTls();
      for (const l of ls) {
        expect(await handshake(l.httpsUrl, tls.ca.cert)).toContain('DNS:*.azurewebsites.net');
        const res = await httpsGet(l.httpsUrl, tls.ca.cert);
        expect(res).toBe('ok');
      }
    } finally {
      await Promise.all(ls.map((l) => l.close()));
    }
  });
});

/** GET / over https trusting only the twin's CA. */
async function httpsGet(url: string, ca: string): Promise<string> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
    })
      .once('error', reject)
      .end();
  });
}

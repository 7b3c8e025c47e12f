import { describe, it, expect, afterEach } from 'vitest';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../src/core/index.js';
import { openStore, writePrivateFile } from '../../src/state/index.js';
import { loadOrCreateLocalTls } from '../../src/runtime/local-ca.js';

const posix = process.platform !== 'win32';
const mode = (p: string) => statSync(p).mode & 0o777;
const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'trustline-modes-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.runIf(posix)('state and key files are private (docs/security.md)', () => {
  it('a new state folder is 0700; state.db and its -wal/-shm files are 0600 (the database holds the signing key)', () => {
    const old = process.umask(0o022);
    try {
      const dir = join(scratch(), 'state');
      const store = openStore({ dir });
      store.setMeta('identity.signingKey', JSON.stringify({ key: 'x' }));
      store.transaction((t) => t.putResource({ id: '/subscriptions/s/x', type: 'A/b', name: 'x', properties: {} } as never));
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(dir, 'state.db'))).toBe(0o600);
      expect(existsSync(join(dir, 'state.db-wal'))).toBe(true);
      expect(mode(join(dir, 'state.db-wal'))).toBe(0o600);
      expect(mode(join(dir, 'state.db-shm'))).toBe(0o600);
      store.close();
    } finally {
      process.umask(old);
    }
  });

  it('an existing folder and files with loose modes are tightened, with a warning', () => {
    const dir = join(scratch(), 'state');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'state.db'), '');
    chmodSync(join(dir, 'state.db'), 0o644);
    writeFileSync(join(dir, 'state.db-wal'), '');
    chmodSync(join(dir, 'state.db-wal'), 0o666);
    const logger = memoryLogger();
    const store = openStore({ dir, logger });
    store.close();
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'state.db'))).toBe(0o600);
    expect(logger.lines.join('\n')).toMatch(/had mode 0755; tightened to 0700/);
    expect(logger.lines.join('\n')).toMatch(/state\.db had mode 0644; tightened to 0600/);
  });

  it.runIf(process.getuid?.() === 0)('a state folder owned by another user is refused with a clear message', () => {
    const dir = join(scratch(), 'theirs');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    expect(() => openStore({ dir })).toThrow(/ERR_STATE_UNSAFE_PATH|owned by uid 65534, not by the current user/);
    try {
      openStore({ dir });
    } catch (e) {
      expect((e as { code?: string }).code).toBe('ERR_STATE_UNSAFE_PATH');
    }
  });

  it('the local CA key and certificate are 0600, also when left looser by an older version', async () => {
    const dir = join(scratch(), 'state');
    const logger = memoryLogger();
    await loadOrCreateLocalTls(dir, logger);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(mode(join(dir, 'ca.pem'))).toBe(0o600);
    chmodSync(join(dir, 'ca-key.pem'), 0o644);
    chmodSync(dir, 0o755);
    await loadOrCreateLocalTls(dir, logger);
    expect(mode(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
  });

  it('writePrivateFile writes 0600 whatever the umask and replaces a looser file', () => {
    const old = process.umask(0o000);
    try {
      const f = join(scratch(), 'k.pem');
      writeFileSync(f, 'old');
      chmodSync(f, 0o666);
      writePrivateFile(f, 'new');
      expect(mode(f)).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });
});

describe('secrets never reach a log line', () => {
  it('JWTs, Bearer credentials and PEM private keys are redacted by every logger', () => {
    const logger = memoryLogger();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    logger.error(`failed with ${jwt}`, { authorization: 'Bearer abcdefgh12345678', key: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----' });
    logger.child('x').warn('Authorization: Bearer opaque-token-value-123');
    const all = logger.lines.join('\n');
    expect(all).not.toContain(jwt);
    expect(all).not.toContain('abcdefgh12345678');
    expect(all).not.toContain('MIIE');
    expect(all).not.toContain('opaque-token-value-123');
    expect(all).toContain('[redacted JWT]');
    expect(all).toContain('[redacted private key]');
  });

  it('credential query parameters in a logged URL are redacted (APIM subscription key, Functions key, SAS)', () => {
    const logger = memoryLogger();
    logger.info('401 GET https://apim.azure-api.net/api/x?subscription-key=0123456789abcdef&code=fnkey123&sig=abc%2Bdef&keep=yes: explanation');
    const line = logger.lines[0]!;
    expect(line).not.toMatch(/0123456789abcdef|fnkey123|abc%2Bdef/);
    expect(line).toContain('subscription-key=[redacted]&code=[redacted]&sig=[redacted]&keep=yes');
  });
});

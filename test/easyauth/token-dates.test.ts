/**
 * Issue 8 regressions: `nbf`/`exp`/`iat` are NumericDates (JSON numbers in range). A string `nbf` in the future
 * used to be ignored (token accepted), and `exp: 1e400` (Infinity) answered 500 logged as a metadata error.
 */
import { describe, expect, it } from 'vitest';
import { sign } from 'node:crypto';
import { miV1Claims } from './helpers/test-issuer.js';
import { useEasyAuthHarness } from './helpers/harness.js';

const ea = useEasyAuthHarness();
const { front, now, bearer } = ea;

/** Sign a payload given as raw JSON text (so that `1e400` stays in the token as written). */
function signRaw(payloadJson: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: ea.issuer.key.kid })).toString('base64url');
  const payload = Buffer.from(payloadJson).toString('base64url');
  const sig = sign('sha256', Buffer.from(`${header}.${payload}`), ea.issuer.key.privateKey).toString('base64url');
  return `${header}.${payload}.${sig}`;
}

const lifetimeReason = (f: { traces: Array<{ steps: Array<{ step: string; ok: boolean; reason: string }> }> }) =>
  f.traces.at(-1)!.steps.find((s) => s.step === 'lifetime' && !s.ok)?.reason;

describe('NumericDate claims (RFC 7519 §2)', () => {
  it('a string nbf in the future → 401 with the reason (was accepted)', async () => {
    const f = await front();
    const t = await ea.issuer.sign(miV1Claims(now(), { nbf: String(now() + 86_400) }));
    const r = await f.get('/api/x', bearer(t));
    expect(r.status).toBe(401);
    expect(lifetimeReason(f)).toBe('nbf claim is not a number (NumericDate) but a string');
  });

  it('exp 1e400 (Infinity) → 401 "out of range", not a 500 metadata error', async () => {
    const f = await front();
    const claims = miV1Claims(now());
    const json = JSON.stringify({ ...claims, exp: 0 }).replace('"exp":0', '"exp":1e400');
    const r = await f.get('/api/x', bearer(signRaw(json)));
    expect(r.status).toBe(401);
    expect(f.traces.at(-1)!.errorCode).toBeUndefined();
    expect(lifetimeReason(f)).toBe('exp claim Infinity is out of range (0 … 253402300799)');
  });

  it.each([
    ['exp as a numeric string', { exp: '9999999999' }, 'exp claim is not a number (NumericDate) but a string'],
    ['exp null', { exp: null }, 'exp claim is not a number (NumericDate) but null'],
    ['exp an array', { exp: [1] }, 'exp claim is not a number (NumericDate) but an array'],
    ['exp beyond year 9999', { exp: 253_402_300_800 }, 'exp claim 253402300800 is out of range (0 … 253402300799)'],
    ['nbf negative', { nbf: -1 }, 'nbf claim -1 is out of range (0 … 253402300799)'],
    ['iat a string', { iat: 'yesterday' }, 'iat claim is not a number (NumericDate) but a string'],
    ['iat a boolean', { iat: true }, 'iat claim is not a number (NumericDate) but a boolean'],
  ])('%s → 401 with the reason', async (_name, over, reason) => {
    const f = await front();
    const r = await f.get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now(), over))));
    expect(r.status).toBe(401);
    expect(lifetimeReason(f)).toBe(reason);
  });

  it('no exp → 401; fractional NumericDates are dates (RFC 7519) → 200', async () => {
    const f = await front();
    const { exp: _e, ...noExp } = miV1Claims(now());
    expect((await f.get('/api/x', bearer(await ea.issuer.sign(noExp)))).status).toBe(401);
    expect(lifetimeReason(f)).toBe('token has no exp claim');
    const frac = await ea.issuer.sign(miV1Claims(now(), { exp: now() + 3600.5, nbf: now() - 0.5, iat: now() - 0.5 }));
    expect((await f.get('/api/x', bearer(frac))).status).toBe(200);
  });
});

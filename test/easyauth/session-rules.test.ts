// Session rules without a browser: cookie expiration conventions and the refresh window, redirect allow-lists,
// the CSRF test, the X-ZUMO-AUTH token, the nonce store.
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { ManualClock } from '../../src/core/index.js';
import { normalizeAuthSettings } from '../../src/easyauth/index.js';
import { sessionTimes } from '../../src/easyauth/session/login-routes.js';
import { redirectAllowed } from '../../src/easyauth/session/redirects.js';
import { csrfSuspect } from '../../src/easyauth/session/csrf.js';
import { SessionStore } from '../../src/easyauth/session/session-store.js';
import { NonceStore } from '../../src/easyauth/session/nonce-store.js';

const login = (l: Record<string, unknown>) => normalizeAuthSettings({ platform: { enabled: true }, login: l }).login;

describe('session lifetime', () => {
  it('FixedTime: timeToExpiration from now (default 8 h); refresh allowed tokenRefreshExtensionHours (default 72) longer', () => {
    expect(sessionTimes(login({}), 1000, 5000)).toEqual({ expiresAt: 1000 + 8 * 3600, refreshableUntil: 1000 + 8 * 3600 + 72 * 3600 });
    expect(sessionTimes(login({ cookieExpiration: { convention: 'FixedTime', timeToExpiration: '1.02:00:30' }, tokenStore: { tokenRefreshExtensionHours: 0.5 } }), 0, 5000)).toEqual({
      expiresAt: 86400 + 7200 + 30,
      refreshableUntil: 86400 + 7200 + 30 + 1800,
    });
  });
  it('IdentityProviderDerived (and the file-config spelling IdentityDerived): the provider tokens\' expiry', () => {
    expect(sessionTimes(login({ cookieExpiration: { convention: 'IdentityProviderDerived' } }), 0, 5000).expiresAt).toBe(5000);
    expect(sessionTimes(login({ cookieExpiration: { convention: 'identityDerived' } }), 0, 4000).expiresAt).toBe(4000);
  });
  it('an unreadable timespan is a settings error with its JSON path', () => {
    expect(() => login({ cookieExpiration: { timeToExpiration: '8h' } })).toThrow(/login\.cookieExpiration\.timeToExpiration must be a timespan like 08:00:00, got '8h'/);
    expect(login({ nonce: { validateNonce: false, nonceExpirationInterval: '00:01:00' } }).nonce).toEqual({ validateNonce: false, nonceExpirationSeconds: 60 });
  });
});

describe('redirect allow-list', () => {
  it.each([
    ['/api/x?y=1', true],
    ['//evil.example/x', false],
    ['/\\evil.example', false],
    ['https://site.example/after', true],
    ['https://evil.example/', false],
    ['https://allowed.example/after?any=query', true],
    ['https://allowed.example/after/deeper', true],
    ['https://allowed.example/other', false],
    ['javascript:alert(1)', false],
  ])('%s → %s', (target, ok) => {
    expect(redirectAllowed(target, 'site.example', ['https://allowed.example/after'])).toBe(ok);
  });
});

describe('CSRF test', () => {
  const req = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;
  const ua = { 'user-agent': 'Mozilla/5.0 Firefox/120.0' };
  it('only state-changing methods from browsers, without a same-site or allowed Origin/Referer', () => {
    expect(csrfSuspect(req('GET', ua), 'site', [])).toBe(false);
    expect(csrfSuspect(req('POST', ua), 'site', [])).toBe(true);
    expect(csrfSuspect(req('DELETE', { ...ua, origin: 'https://evil.example' }), 'site', [])).toBe(true);
    expect(csrfSuspect(req('POST', { ...ua, origin: 'https://site' }), 'site', [])).toBe(false);
    expect(csrfSuspect(req('PUT', { ...ua, referer: 'https://allowed.example/x' }), 'site', ['https://allowed.example'])).toBe(false);
    expect(csrfSuspect(req('POST', { 'user-agent': 'python-requests/2' }), 'site', [])).toBe(false);
    expect(csrfSuspect(req('POST', { ...ua, origin: 'null' }), 'site', [])).toBe(true);
  });
});

describe('sessions and nonces', () => {
  it('X-ZUMO-AUTH tokens are signed per store; tampering or another store\'s token names no session', () => {
    const clock = new ManualClock();
    const a = new SessionStore(clock);
    const b = new SessionStore(clock);
    const { session, cookie } = a.create({ sid: 'sid:1', claims: {}, tokensExpireAt: 10, expiresAt: 20, refreshableUntil: 30, origin: 'client-directed' });
    const zumo = a.zumoToken(session);
    expect(a.byZumo(zumo)).toBe(session);
    expect(a.byCookie(cookie)).toBe(session);
    expect(a.byZumo(cookie)).toBeUndefined();
    expect(a.byCookie(zumo)).toBeUndefined();
    expect(b.byZumo(zumo)).toBeUndefined();
    const [h, p, s] = zumo.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'sid:2' })).toString('base64url');
    expect(a.byZumo(`${h}.${forged}.${s}`)).toBeUndefined();
    a.delete(session);
    expect(a.byZumo(zumo)).toBeUndefined();
    expect(a.byCookie(cookie)).toBeUndefined();
  });
  it('a nonce is good once and for its lifetime', () => {
    const clock = new ManualClock();
    const n = new NonceStore(clock, 300);
    const one = n.issue();
    expect(one).toMatch(/^[0-9a-f]{32}_20261129120000$/);
    expect(n.consume(one)).toBe(true);
    expect(n.consume(one)).toBe(false);
    const two = n.issue();
    clock.advance(301_000);
    expect(n.consume(two)).toBe(false);
    expect(n.consume(undefined)).toBe(false);
  });
});

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import type { Claims } from '../token/validate-token.js';

/** A signed-in user (or a client-directed login) and its token store entry. */
export interface Session {
  id: string;
  /** Stable id of the user for this site (`sid:` + hex), as `user.userId` of a client-directed login. */
  sid: string;
  /** Claims of the ID token (server-directed) or of the access token (client-directed without an ID token). */
  claims: Claims;
  idToken?: string;
  accessToken?: string;
  refreshToken?: string;
  /** Epoch seconds: when the provider tokens expire (`expires_on`). */
  tokensExpireAt: number;
  /** Epoch seconds: when the session (cookie / X-ZUMO-AUTH) expires. */
  expiresAt: number;
  /** Epoch seconds: the last moment `/.auth/refresh` may renew an expired session (tokenRefreshExtensionHours). */
  refreshableUntil: number;
  /** How it started: the cookie flow or a client-directed POST. */
  origin: 'cookie' | 'client-directed';
}

const MAX_SESSIONS = 20_000;

/**
 * The sessions of one site, in memory (App Service keeps them in its token store; the twin loses them
 * when it stops — docs/differences.md). The `AppServiceAuthSession` cookie carries a random session
 * handle; the `X-ZUMO-AUTH` token is a different string for the same session (an HS256 JWT with the
 * session id, signed with a per-site key), so the two are not interchangeable (docs/behaviour/easyauth.md §4.2).
 */
export class SessionStore {
  readonly #byId = new Map<string, Session>();
  readonly #byCookie = new Map<string, string>();
  readonly #key = randomBytes(32);
  readonly #clock: Clock;
  readonly #issuer: string;

  constructor(clock: Clock, issuer = 'https://trustline.local/') {
    this.#clock = clock;
    this.#issuer = issuer;
  }

  create(s: Omit<Session, 'id'>): { session: Session; cookie: string } {
    if (this.#byId.size >= MAX_SESSIONS) this.#evict();
    const session: Session = { ...s, id: randomBytes(16).toString('hex') };
    const cookie = randomBytes(48).toString('base64url');
    this.#byId.set(session.id, session);
    this.#byCookie.set(cookie, session.id);
    return { session, cookie };
  }

  /** The session a cookie value names (even if expired: the caller decides; refresh may revive it). */
  byCookie(cookie: string): Session | undefined {
    const id = this.#byCookie.get(cookie);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  /** The `X-ZUMO-AUTH` token of a session. */
  zumoToken(s: Session): string {
    const now = Math.floor(this.#clock.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ stable_sid: s.sid, sub: s.sid, idp: 'aad', ver: '3', nbf: now, exp: s.expiresAt, iss: this.#issuer, aud: this.#issuer, jti: s.id }),
    ).toString('base64url');
    const sig = createHmac('sha256', this.#key).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${sig}`;
  }

  /** The session an `X-ZUMO-AUTH` token names, if the token is ours and well formed. */
  byZumo(token: string): Session | undefined {
    const [h, p, sig, extra] = token.split('.');
    if (h === undefined || p === undefined || sig === undefined || extra !== undefined) return undefined;
    const want = createHmac('sha256', this.#key).update(`${h}.${p}`).digest();
    let got: Buffer;
    try {
      got = Buffer.from(sig, 'base64url');
    } catch {
      return undefined;
    }
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { jti?: unknown };
      return typeof claims.jti === 'string' ? this.#byId.get(claims.jti) : undefined;
    } catch {
      return undefined;
    }
  }

  /** End a session (logout): both its cookie and its X-ZUMO-AUTH token stop working. */
  delete(s: Session): void {
    this.#byId.delete(s.id);
    for (const [c, id] of this.#byCookie) if (id === s.id) this.#byCookie.delete(c);
  }

  #evict(): void {
    const now = Math.floor(this.#clock.now() / 1000);
    for (const [id, s] of this.#byId) if (s.refreshableUntil < now) this.#byId.delete(id);
    while (this.#byId.size >= MAX_SESSIONS) this.#byId.delete(this.#byId.keys().next().value!);
    for (const [c, id] of this.#byCookie) if (!this.#byId.has(id)) this.#byCookie.delete(c);
  }
}

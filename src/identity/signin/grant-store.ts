import { randomBytes, randomInt } from 'node:crypto';
import type { Clock } from '../../core/index.js';

/** Entra's default refresh-token lifetimes: 90 days, 24 h for single-page apps. */
export const REFRESH_LIFETIME_SECONDS = 90 * 86400;
export const SPA_REFRESH_LIFETIME_SECONDS = 86400;

/** An authorize request waiting for the user on the sign-in page. */
export interface PendingAuthorization {
  tenantId: string;
  version: 1 | 2;
  clientId: string;
  redirectUri: string;
  responseType: string[];
  responseMode: 'query' | 'fragment' | 'form_post';
  scope: string | undefined;
  resource: string | undefined;
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain' | undefined;
  loginHint: string | undefined;
  /** A device code's sign-in (the verification page): signing in approves this device code instead of answering a redirect URI. */
  deviceCode?: string;
}

/** Entra's default: a device code and its user code live 15 minutes (`expires_in` 900). */
export const DEVICE_CODE_LIFETIME_SECONDS = 900;
/** The polling interval a device authorization response asks for (`interval` 5). */
export const DEVICE_CODE_INTERVAL_SECONDS = 5;

/** A device authorization request (`/devicecode`) waiting for the user on the verification page. */
export interface DeviceAuthorization {
  tenantId: string;
  version: 1 | 2;
  clientId: string;
  scope: string | undefined;
  resource: string | undefined;
}

interface DeviceEntry {
  request: DeviceAuthorization;
  userCode: string;
  state: 'pending' | 'approved' | 'declined' | 'redeemed';
  grant?: UserGrant;
}

export type DevicePoll = { kind: 'ok'; value: UserGrant; request: DeviceAuthorization } | { kind: 'pending' | 'declined' | 'expired' | 'used' | 'unknown' };

/** User codes: 9 characters of capital letters and digits, as Entra's (e.g. `C45FGVYJR`); no 0/O, 1/I/L to misread. */
const USER_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const newUserCode = (): string => Array.from({ length: 9 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
/** What a user types: case, spaces and dashes do not matter. */
export const normalizeUserCode = (typed: string): string => typed.replace(/[\s-]/g, '').toUpperCase();

/** What an authorization code or a refresh token stands for. */
export interface UserGrant {
  tenantId: string;
  version: 1 | 2;
  clientId: string;
  userObjectId: string;
  /** The scope / resource of the original request (a refresh may ask for another resource). */
  scope: string | undefined;
  resource: string | undefined;
  redirectUri?: string;
  nonce?: string | undefined;
  codeChallenge?: string | undefined;
  codeChallengeMethod?: 'S256' | 'plain' | undefined;
  /** Was the code issued to a confidential client (one that authenticated) — refresh must authenticate the same way. */
  authTime: number;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
  used?: boolean;
}

/** A bounded map with expiry: the oldest entries go first when it is full. */
class ExpiringMap<T> {
  readonly #m = new Map<string, Entry<T>>();
  constructor(
    readonly max: number,
    readonly ttlMs: number,
    readonly clock: Clock,
  ) {}
  put(key: string, value: T, ttlMs = this.ttlMs): void {
    if (this.#m.size >= this.max) {
      const now = this.clock.now();
      for (const [k, e] of this.#m) if (e.expiresAt <= now) this.#m.delete(k);
      while (this.#m.size >= this.max) this.#m.delete(this.#m.keys().next().value!);
    }
    this.#m.set(key, { value, expiresAt: this.clock.now() + ttlMs });
  }
  get(key: string): Entry<T> | undefined {
    return this.#m.get(key);
  }
  delete(key: string): void {
    this.#m.delete(key);
  }
}

export type Lookup<T> = { kind: 'ok'; value: T } | { kind: 'expired' } | { kind: 'used' } | { kind: 'unknown' };

/**
 * Sign-in state kept in memory (a restart ends it, as a restart of a real STS front end would not —
 * docs/differences.md): pending sign-ins (10 min), authorization codes (10 min, one use), refresh tokens
 * (reusable until they expire; each use returns a new one). Values are random, 256 bits. Refresh-token lifetime
 * as Entra's default: 24 h for a single-page app (a cross-origin redemption), 90 days otherwise
 * (docs/identity.md, Lifetimes).
 */
export class GrantStore {
  readonly #pending: ExpiringMap<PendingAuthorization>;
  readonly #codes: ExpiringMap<UserGrant>;
  readonly #refresh: ExpiringMap<UserGrant>;
  readonly #devices: ExpiringMap<DeviceEntry>;
  /** user code → device code */
  readonly #userCodes: ExpiringMap<string>;
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#pending = new ExpiringMap(10_000, 10 * 60_000, clock);
    this.#codes = new ExpiringMap(10_000, 10 * 60_000, clock);
    this.#refresh = new ExpiringMap(50_000, REFRESH_LIFETIME_SECONDS * 1000, clock);
    this.#devices = new ExpiringMap(10_000, DEVICE_CODE_LIFETIME_SECONDS * 1000, clock);
    this.#userCodes = new ExpiringMap(10_000, DEVICE_CODE_LIFETIME_SECONDS * 1000, clock);
  }

  static newHandle(prefix: string): string {
    return `${prefix}${randomBytes(32).toString('base64url')}`;
  }

  putPending(p: PendingAuthorization): string {
    const id = GrantStore.newHandle('');
    this.#pending.put(id, p);
    return id;
  }

  getPending(id: string): PendingAuthorization | undefined {
    const e = this.#pending.get(id);
    return e && e.expiresAt > this.#clock.now() ? e.value : undefined;
  }

  dropPending(id: string): void {
    this.#pending.delete(id);
  }

  putCode(g: UserGrant): string {
    const code = GrantStore.newHandle('1.A');
    this.#codes.put(code, g);
    return code;
  }

  /** Redeem a code: one use; a second use is `used` (AADSTS54005), a late one `expired` (AADSTS70008). */
  redeemCode(code: string): Lookup<UserGrant> {
    const e = this.#codes.get(code);
    if (!e) return { kind: 'unknown' };
    if (e.used) return { kind: 'used' };
    if (e.expiresAt <= this.#clock.now()) return { kind: 'expired' };
    e.used = true;
    return { kind: 'ok', value: e.value };
  }

  /** A refresh token for `g`: 24 h for a single-page app, 90 days for any other client. */
  putRefresh(g: UserGrant, singlePageApp: boolean): string {
    const token = GrantStore.newHandle('1.A');
    this.#refresh.put(token, g, (singlePageApp ? SPA_REFRESH_LIFETIME_SECONDS : REFRESH_LIFETIME_SECONDS) * 1000);
    return token;
  }

  useRefresh(token: string): Lookup<UserGrant> {
    const e = this.#refresh.get(token);
    if (!e) return { kind: 'unknown' };
    if (e.expiresAt <= this.#clock.now()) return { kind: 'expired' };
    return { kind: 'ok', value: e.value };
  }

  /** A new device code and its user code (both live 15 minutes; the user code is unique among the live ones). */
  putDevice(request: DeviceAuthorization): { deviceCode: string; userCode: string } {
    let userCode = newUserCode();
    while (this.#liveUserCode(userCode) !== undefined) userCode = newUserCode();
    const deviceCode = GrantStore.newHandle('DAQABIQEAAAD');
    this.#devices.put(deviceCode, { request, userCode, state: 'pending' });
    this.#userCodes.put(userCode, deviceCode);
    return { deviceCode, userCode };
  }

  #liveUserCode(userCode: string): string | undefined {
    const e = this.#userCodes.get(userCode);
    return e && e.expiresAt > this.#clock.now() ? e.value : undefined;
  }

  /** The device code a user typed on the verification page names: `expired` after 15 minutes, `used` once answered. */
  deviceByUserCode(typed: string): { kind: 'ok'; deviceCode: string; request: DeviceAuthorization } | { kind: 'expired' | 'used' | 'unknown' } {
    const e = this.#userCodes.get(normalizeUserCode(typed));
    if (!e) return { kind: 'unknown' };
    const device = this.#devices.get(e.value);
    if (!device) return { kind: 'unknown' };
    if (e.expiresAt <= this.#clock.now()) return { kind: 'expired' };
    if (device.value.state !== 'pending') return { kind: 'used' };
    return { kind: 'ok', deviceCode: e.value, request: device.value.request };
  }

  /** The user signed in (`grant`) or cancelled (`undefined`) on the verification page; false when the code is no longer pending. */
  answerDevice(deviceCode: string, grant: UserGrant | undefined): boolean {
    const e = this.#devices.get(deviceCode);
    if (!e || e.expiresAt <= this.#clock.now() || e.value.state !== 'pending') return false;
    e.value.state = grant ? 'approved' : 'declined';
    if (grant) e.value.grant = grant;
    return true;
  }

  /**
   * A poll of the token endpoint by `client` in `tenantId`: the user's grant once (then `used`), until then
   * pending/declined/expired. Another client's or tenant's poll does not know the code.
   */
  pollDevice(deviceCode: string, tenantId: string, clientId: string): DevicePoll {
    const e = this.#devices.get(deviceCode);
    if (!e) return { kind: 'unknown' };
    const d = e.value;
    if (d.request.tenantId.toLowerCase() !== tenantId.toLowerCase() || d.request.clientId.toLowerCase() !== clientId.toLowerCase()) return { kind: 'unknown' };
    if (d.state === 'redeemed') return { kind: 'used' };
    if (d.state === 'declined') return { kind: 'declined' };
    if (e.expiresAt <= this.#clock.now()) return { kind: 'expired' };
    if (d.state === 'pending') return { kind: 'pending' };
    d.state = 'redeemed';
    return { kind: 'ok', value: d.grant!, request: d.request };
  }
}

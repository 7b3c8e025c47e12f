import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/index.js';

const MAX_NONCES = 50_000;

/**
 * Nonces of the logins this site started (`login.nonce`): each is good once, for
 * `nonceExpirationInterval` (default 5 minutes). Format as App Service sends them: hex + `_` + UTC time.
 */
export class NonceStore {
  readonly #issued = new Map<string, number>();
  constructor(
    readonly clock: Clock,
    readonly lifetimeSeconds: number,
  ) {}

  issue(): string {
    const now = this.clock.now();
    if (this.#issued.size >= MAX_NONCES) {
      for (const [n, exp] of this.#issued) if (exp <= now) this.#issued.delete(n);
      while (this.#issued.size >= MAX_NONCES) this.#issued.delete(this.#issued.keys().next().value!);
    }
    const stamp = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const nonce = `${randomBytes(16).toString('hex')}_${stamp}`;
    this.#issued.set(nonce, now + this.lifetimeSeconds * 1000);
    return nonce;
  }

  /** True once for a nonce issued here and not expired. */
  consume(nonce: string | undefined): boolean {
    if (nonce === undefined) return false;
    const exp = this.#issued.get(nonce);
    if (exp === undefined) return false;
    this.#issued.delete(nonce);
    return exp > this.clock.now();
  }
}

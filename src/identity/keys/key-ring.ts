import { X509Certificate } from 'node:crypto';
import type { Clock, PemPair } from '../../core/index.js';
import type { JwtHeader } from '../tokens/jwt.js';
import { signJwt, signingInput } from '../tokens/jwt.js';
import type { SigningPool } from './signing-pool.js';
import { loadSigningKey, type SigningKey } from './signing-key.js';

/** The key that signs new tokens. */
export interface Signer {
  readonly kid: string;
  /** The private key's PEM pair (for signing off the event loop, in a worker). */
  readonly pem: PemPair;
  sign(header: JwtHeader, claims: Record<string, unknown>): string;
  /** The same signature, computed on a signing worker when the ring has a pool (off this event loop). */
  signAsync(header: JwtHeader, claims: Record<string, unknown>): Promise<string>;
}

/** One key of the ring, as persisted (`identity.keys` in the store's meta table). */
export interface RingEntry {
  cert: string;
  key: string;
  /** Epoch ms: published in JWKS from this instant. */
  publishedAt: number;
  /** Epoch ms: signs new tokens from this instant (until a newer key activates). */
  activatesAt: number;
  /** Epoch ms: gone from JWKS from this instant (set when a newer key activates). */
  removeAt?: number;
}

export interface KeyRingState {
  keys: RingEntry[];
}

/**
 * The tenant's token-signing keys (Entra publishes its next key before it signs with it, and keeps a
 * retired key in its JWKS while tokens it signed are still valid):
 * - `current()` signs: the newest key whose activation time has come;
 * - `published()` is what JWKS serves: every key already published and not yet removed;
 * - `rotate()` publishes a new key now, activating it after `activateAfterMs`; the key it replaces is
 *   removed `graceMs` after that (default: the longest lifetime of a token the twin issues).
 * Transitions happen lazily against the injected clock; `onChange` fires when the JWKS or the signer changes.
 */
export interface KeyRing {
  current(): Signer;
  published(): readonly SigningKey[];
  rotate(options: { key: PemPair; activateAfterMs?: number; graceMs?: number }): { kid: string; activatesAt: number; previousKid: string; previousRemovedAt: number };
  /** Persisted form (PEM pairs and times). */
  state(): KeyRingState;
  onChange(listener: () => void): () => void;
}

export function createKeyRing(options: { state: KeyRingState; clock: Clock; defaultGraceMs: number; onPersist?: (s: KeyRingState) => void; pool?: SigningPool }): KeyRing {
  const { clock } = options;
  const loaded = new Map<string, SigningKey>();
  const signers = new Map<string, Signer>();
  let entries = options.state.keys.map((e) => ({ ...e }));
  if (entries.length === 0) throw new Error('a key ring needs at least one key');
  const listeners = new Set<() => void>();
  let lastView = '';

  const keyOf = (e: RingEntry): SigningKey => {
    let k = loaded.get(e.cert);
    if (!k) loaded.set(e.cert, (k = loadSigningKey({ cert: e.cert, key: e.key })));
    return k;
  };
  /** The view at `now`: the signer and the published set; fires onChange when it moved. */
  const view = () => {
    const now = clock.now();
    // The newest key wins a tie: two rotations within one clock tick sign with the later one (entries are in
    // rotation order, so the later index breaks ties on activatesAt / publishedAt).
    let active: RingEntry | undefined;
    for (const e of entries) if (e.activatesAt <= now && (active === undefined || e.activatesAt >= active.activatesAt)) active = e;
    active ??= entries[0]!;
    const order = new Map(entries.map((e, i) => [e, i]));
    const published = entries
      .filter((e) => e.publishedAt <= now && (e.removeAt === undefined || now < e.removeAt))
      .sort((a, b) => b.publishedAt - a.publishedAt || order.get(b)! - order.get(a)!);
    const signature = `${active.cert.length}:${keyOf(active).kid}|${published.map((e) => keyOf(e).kid).join(',')}`;
    if (lastView !== '' && signature !== lastView) for (const l of listeners) l();
    lastView = signature;
    return { active, published };
  };
  const persist = () => options.onPersist?.({ keys: entries.map((e) => ({ ...e })) });

  return {
    current() {
      const { active } = view();
      const k = keyOf(active);
      let s = signers.get(k.kid);
      if (!s) {
        const pool = options.pool;
        const sign = (h: JwtHeader, c: Record<string, unknown>) => signJwt(h, c, k.privateKey);
        s = {
          kid: k.kid,
          pem: k.pem,
          sign,
          signAsync: pool
            ? async (h, c) => {
                const input = signingInput(h, c);
                return `${input}.${await pool.sign(k.kid, k.pem, input)}`;
              }
            : async (h, c) => sign(h, c),
        };
        signers.set(k.kid, s);
      }
      return s;
    },
    published: () => view().published.map(keyOf),
    rotate({ key, activateAfterMs = 0, graceMs = options.defaultGraceMs }) {
      const now = clock.now();
      const fresh = loadSigningKey(key);
      const { active } = view();
      const activatesAt = now + Math.max(0, activateAfterMs);
      // Keys already removed are dropped from the persisted ring; the replaced key leaves JWKS after its grace.
      entries = entries.filter((e) => e.removeAt === undefined || now < e.removeAt);
      const removeAt = activatesAt + Math.max(0, graceMs);
      for (const e of entries) if (e.removeAt === undefined) e.removeAt = removeAt;
      entries.push({ cert: fresh.pem.cert, key: fresh.pem.key, publishedAt: now, activatesAt });
      loaded.set(fresh.pem.cert, fresh);
      persist();
      view();
      for (const l of listeners) l();
      return { kid: fresh.kid, activatesAt, previousKid: keyOf(active).kid, previousRemovedAt: removeAt };
    },
    state: () => ({ keys: entries.map((e) => ({ ...e })) }),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Times of keys that earlier versions persisted as 0 (the Unix epoch, shown as 1970 by `keys list`): the certificate's
 * notBefore, kept no later than the ring's other times so that the order of the ring (which key signs) is unchanged.
 */
export function withRealTimes(state: KeyRingState): KeyRingState {
  const known = state.keys.flatMap((k) => [k.publishedAt, k.activatesAt]).filter((t) => t > 0);
  const floor = known.length > 0 ? Math.min(...known) : Number.POSITIVE_INFINITY;
  return {
    keys: state.keys.map((k) => {
      if (k.publishedAt > 0 && k.activatesAt > 0) return k;
      const since = Math.min(Date.parse(new X509Certificate(k.cert).validFrom), floor);
      return { ...k, publishedAt: k.publishedAt > 0 ? k.publishedAt : since, activatesAt: k.activatesAt > 0 ? k.activatesAt : since };
    }),
  };
}

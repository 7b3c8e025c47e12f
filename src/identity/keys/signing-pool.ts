import { Worker } from 'node:worker_threads';
import type { PemPair } from '../../core/index.js';

/**
 * The worker's code, a fixed string (never user input): it imports the PEM keys it is given once and
 * answers `{id, kid, input}` with the RS256 signature of `input`. Eval workers run CommonJS, so the same
 * code serves the TypeScript sources (tests) and the compiled dist/ files.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const keys = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'key') { keys.set(m.kid, createPrivateKey(m.pem)); return; }
  const key = keys.get(m.kid);
  if (!key) { parentPort.postMessage({ id: m.id, error: 'unknown key ' + m.kid }); return; }
  try {
    parentPort.postMessage({ id: m.id, signature: sign('sha256', Buffer.from(m.input, 'ascii'), key).toString('base64url') });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

interface Pending {
  resolve: (s: string) => void;
  reject: (e: Error) => void;
}

/**
 * RS256 signing on worker threads, so that a burst of token requests does not hold the event loop that
 * also serves the gateway, the control plane and the other identity routes (an RS256 signature with a
 * 2048-bit key costs about a millisecond of CPU). Requests go round-robin; each worker holds every key.
 */
export class SigningPool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #keys = new Set<string>();
  readonly #size: number;
  #next = 0;
  #seq = 0;
  #closed = false;

  /** The workers start on the first signature: a twin that signs nothing (or not yet) starts faster and smaller. */
  constructor(size: number) {
    this.#size = size;
  }

  #start(): void {
    for (let i = 0; i < this.#size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      w.on('message', (m: { id: number; signature?: string; error?: string }) => {
        const p = this.#pending.get(m.id);
        if (!p) return;
        this.#pending.delete(m.id);
        if (m.signature !== undefined) p.resolve(m.signature);
        else p.reject(new Error(m.error ?? 'signing failed'));
      });
      w.on('error', (e) => {
        for (const [id, p] of this.#pending) {
          this.#pending.delete(id);
          p.reject(e);
        }
      });
      this.#workers.push(w);
    }
  }

  get size(): number {
    return this.#size;
  }

  /** Signature (base64url) of `input` with the key `kid` (its PEM sent to the workers on first use). */
  sign(kid: string, pem: PemPair, input: string): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('the signing pool is closed'));
    if (this.#workers.length === 0) this.#start();
    if (!this.#keys.has(kid)) {
      for (const w of this.#workers) w.postMessage({ type: 'key', kid, pem: pem.key });
      this.#keys.add(kid);
    }
    const id = ++this.#seq;
    const w = this.#workers[this.#next++ % this.#workers.length]!;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      w.postMessage({ id, kid, input });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.map((w) => w.terminate()));
    for (const p of this.#pending.values()) p.reject(new Error('the signing pool is closed'));
    this.#pending.clear();
  }
}

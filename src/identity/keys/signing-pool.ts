import { Worker } from 'node:worker_threads';
import type { PemPair } from '../../core/index.js';

/**
 * The worker's code, a fixed string (never user input): it imports the PEM keys it is given once and
 * answers a batch `[id, kid, input, id, kid, input, …]` with `[id, signature | null, error | null, …]`
 * (RS256 signatures, base64url). Eval workers run CommonJS, so the same code serves the TypeScript
 * sources (tests) and the compiled dist/ files.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const keys = new Map();
parentPort.on('message', (m) => {
  if (!Array.isArray(m)) { keys.set(m.kid, createPrivateKey(m.pem)); return; }
  const out = new Array(m.length);
  for (let i = 0; i < m.length; i += 3) {
    out[i] = m[i];
    out[i + 1] = null;
    out[i + 2] = null;
    const key = keys.get(m[i + 1]);
    if (!key) { out[i + 2] = 'unknown key ' + m[i + 1]; continue; }
    try {
      out[i + 1] = sign('sha256', Buffer.from(m[i + 2], 'ascii'), key).toString('base64url');
    } catch (e) {
      out[i + 2] = String((e && e.message) || e);
    }
  }
  parentPort.postMessage(out);
});
`;

interface Pending {
  resolve: (s: string) => void;
  reject: (e: Error) => void;
}

/** Most jobs in one message: bounds the latency of the first token of a batch. */
const MAX_BATCH = 8;

interface Lane {
  worker: Worker;
  /** Jobs not yet posted, flat `[id, kid, input, …]`. */
  queued: (number | string)[];
  /** Jobs posted and not answered. */
  outstanding: number;
}

/**
 * RS256 signing on worker threads, so that a burst of token requests does not hold the event loop that
 * also serves the gateway, the control plane and the other identity routes (an RS256 signature with a
 * 2048-bit key costs about a millisecond of CPU). Each request goes to the worker with the fewest jobs;
 * the jobs of one turn of the event loop travel together (one message per worker and batch, one answer
 * per batch), which saves the per-message cost and the thread wake-ups that dominate under load
 * (bench/RESULTS.md, token issuance). Each worker holds every key.
 */
export class SigningPool {
  readonly #lanes: Lane[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #keys = new Set<string>();
  readonly #size: number;
  #seq = 0;
  #flushScheduled = false;
  #closed = false;

  /** The workers start on the first signature: a twin that signs nothing (or not yet) starts faster and smaller. */
  constructor(size: number) {
    this.#size = size;
  }

  #start(): void {
    for (let i = 0; i < this.#size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      const lane: Lane = { worker, queued: [], outstanding: 0 };
      worker.on('message', (m: (number | string | null)[]) => {
        for (let j = 0; j < m.length; j += 3) {
          lane.outstanding--;
          const p = this.#pending.get(m[j] as number);
          if (!p) continue;
          this.#pending.delete(m[j] as number);
          if (typeof m[j + 1] === 'string') p.resolve(m[j + 1] as string);
          else p.reject(new Error((m[j + 2] as string | null) ?? 'signing failed'));
        }
      });
      worker.on('error', (e) => {
        for (const [id, p] of this.#pending) {
          this.#pending.delete(id);
          p.reject(e);
        }
      });
      this.#lanes.push(lane);
    }
  }

  get size(): number {
    return this.#size;
  }

  /** Signature (base64url) of `input` with the key `kid` (its PEM sent to the workers on first use). */
  sign(kid: string, pem: PemPair, input: string): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('the signing pool is closed'));
    if (this.#lanes.length === 0) this.#start();
    if (!this.#keys.has(kid)) {
      for (const l of this.#lanes) l.worker.postMessage({ kid, pem: pem.key });
      this.#keys.add(kid);
    }
    const id = ++this.#seq;
    let lane = this.#lanes[0]!;
    for (const l of this.#lanes) if (l.outstanding + l.queued.length / 3 < lane.outstanding + lane.queued.length / 3) lane = l;
    lane.queued.push(id, kid, input);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // After the I/O callbacks of this turn: every request parsed in it joins the batch.
      setImmediate(this.#flush);
    }
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#closed) return;
    for (const l of this.#lanes) {
      for (let i = 0; i < l.queued.length; i += MAX_BATCH * 3) {
        const batch = l.queued.slice(i, i + MAX_BATCH * 3);
        l.outstanding += batch.length / 3;
        l.worker.postMessage(batch);
      }
      l.queued.length = 0;
    }
  };

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#lanes.map((l) => l.worker.terminate()));
    for (const p of this.#pending.values()) p.reject(new Error('the signing pool is closed'));
    this.#pending.clear();
  }
}

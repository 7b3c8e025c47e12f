/**
 * Worker-thread entry of an off-thread deployment (see off-thread.ts): evaluates the deployment
 * against a snapshot of the store and posts back the result and the change set. Ids come from the
 * main thread's generator synchronously (so that injected generators stay deterministic); the clock is
 * the main thread's time when the deployment started.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { isTwinError } from '../../core/index.js';
import type { IdGenerator, Logger } from '../../core/index.js';
import { evaluateDeployment } from './engine.js';
import { SnapshotStore } from './snapshot-store.js';
import type { StoreSnapshot } from './snapshot-store.js';
import type { DeployInput, DeployOptions } from './types.js';

/** What crosses to the worker of a deployment's options (plain data; off-thread.ts workerOptions). */
export type DeployWorkerOptions = Omit<DeployOptions, 'store' | 'clock' | 'ids' | 'logger'>;

export interface DeployWorkerData {
  input: DeployInput;
  /** The deployment's options as the main thread has them, less what is bound to its thread. */
  options: DeployWorkerOptions;
  now: number;
  snapshot: StoreSnapshot;
  /** Synchronous id requests: the worker posts on `idPort` and waits on `idFlag`. */
  idPort: MessagePort;
  idFlag: SharedArrayBuffer;
}

export type DeployWorkerMessage =
  | { op: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> }
  | { op: 'done'; result: unknown; changes: unknown }
  | { op: 'failed'; error: { code: string; message: string; location?: unknown; details?: unknown } };

const data = workerData as DeployWorkerData;
const flag = new Int32Array(data.idFlag);

const ids: IdGenerator = {
  uuid(): string {
    Atomics.store(flag, 0, 0);
    data.idPort.postMessage('uuid');
    if (Atomics.wait(flag, 0, 0, 10_000) === 'timed-out') throw new Error('the main thread did not answer an id request');
    const reply = receiveMessageOnPort(data.idPort);
    if (!reply || typeof reply.message !== 'string') throw new Error('no id from the main thread');
    return reply.message;
  },
};

const post = (m: DeployWorkerMessage) => parentPort!.postMessage(m);
const logger = (scope: string): Logger => {
  const emit = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) =>
    post({ op: 'log', level, msg: scope ? `${scope}: ${msg}` : msg, ...(fields ? { fields } : {}) });
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (s) => logger(scope ? `${scope}/${s}` : s) };
};

try {
  const { result, changes } = evaluateDeployment(data.input, {
    ...data.options,
    store: new SnapshotStore(data.snapshot),
    clock: { now: () => data.now },
    ids,
    logger: logger(''),
  });
  post({ op: 'done', result, changes });
} catch (e) {
  const error = isTwinError(e)
    ? { code: e.code, message: e.message, ...(e.location ? { location: e.location } : {}), ...(e.details ? { details: e.details } : {}) }
    : { code: 'ERR_ARM_INTERNAL', message: e instanceof Error ? e.message : String(e) };
  post({ op: 'failed', error });
}

import { MessageChannel, Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { TwinError } from '../../core/index.js';
import type { SourceLocation } from '../../core/index.js';
import type { Store } from '../../state/index.js';
import { armError } from '../errors.js';
import type { DeployWorkerData, DeployWorkerMessage, DeployWorkerOptions } from './deploy-worker.js';
import { applyChanges } from './overlay.js';
import type { ChangeSet } from './overlay.js';
import { takeSnapshot } from './snapshot-store.js';
import type { DeployInput, DeployOptions, DeployResult } from './types.js';

export interface OffThreadOptions {
  /** Wall-clock limit of one deployment; the worker is terminated after it (default 120 s). */
  timeoutMs?: number;
  /** Heap limit of the worker in MB (default 1024): an evaluation that needs more fails alone. */
  maxHeapMb?: number;
}

/**
 * The compiled worker script. From the compiled package it sits next to this file; when this module
 * runs from TypeScript sources (tests), the compiled copy under dist/ is used (`npm run build`).
 */
function workerUrl(): URL {
  const here = new URL('./deploy-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return here;
  const compiled = new URL(import.meta.url.replace(/\/src\/arm\/deployment\/[^/]+\.ts$/, '/dist/arm/deployment/deploy-worker.js'));
  if (!existsSync(fileURLToPath(compiled))) throw new TypeError(`the compiled deployment worker ${fileURLToPath(compiled)} is missing: run 'npm run build'`);
  return compiled;
}

/**
 * Every deployment option but the thread-bound ones (store, clock, ids, logger: the worker gets a snapshot, the start
 * time, an id channel and a log channel): an option left out here would make a deployment on the worker differ from
 * one on the main thread (e.g. `--link-root` mirrors).
 */
function workerOptions(options: DeployOptions): DeployWorkerOptions {
  const { store: _store, clock: _clock, ids: _ids, logger: _logger, ...rest } = options;
  return rest;
}

const queues = new WeakMap<Store, Promise<unknown>>();

/**
 * Deploy on a worker thread, so that the event loop of this thread (gateway, identity, control plane)
 * keeps serving while a template is evaluated. The worker evaluates against a snapshot of the store;
 * its changes are written here in one transaction. Deployments to one store run one after another.
 */
export function deployOffThread(input: DeployInput, options: DeployOptions, threadOptions: OffThreadOptions = {}): Promise<DeployResult> {
  const previous = queues.get(options.store) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(() => evaluateOffThread(input, options, threadOptions))
    .then(({ result, changes }) => {
      applyChanges(options.store, changes);
      options.logger.info('deployment succeeded', { deployment: input.deploymentName, resources: result.resources.length, mode: input.mode ?? 'Incremental' });
      return result;
    });
  queues.set(options.store, run);
  return run;
}

/**
 * Evaluate a deployment on a worker thread against a snapshot of the store, without writing to it: the result
 * and the change set (`applyChanges` writes it; the control plane writes it resource by resource, so that a
 * running deployment can be canceled between resources).
 */
export function evaluateOffThread(input: DeployInput, options: DeployOptions, threadOptions: OffThreadOptions = {}): Promise<{ result: DeployResult; changes: ChangeSet }> {
  const { port1, port2 } = new MessageChannel();
  const idFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(idFlag);
  const data: DeployWorkerData = {
    input,
    options: workerOptions(options),
    now: options.clock.now(),
    snapshot: takeSnapshot(options.store),
    idPort: port2,
    idFlag,
  };
  const worker = new Worker(workerUrl(), {
    workerData: data,
    transferList: [port2],
    resourceLimits: { maxOldGenerationSizeMb: threadOptions.maxHeapMb ?? 1024 },
  });
  port1.on('message', () => {
    port1.postMessage(options.ids.uuid());
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
  return new Promise<{ result: DeployResult; changes: ChangeSet }>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      port1.close();
      void worker.terminate();
      f();
    };
    const timeoutMs = threadOptions.timeoutMs ?? 120_000;
    const timer = setTimeout(
      () => finish(() => reject(armError('ERR_ARM_LIMIT_EXCEEDED', `The deployment '${input.deploymentName}' did not finish within ${timeoutMs} ms; the twin stopped it (docs/limits.md).`, undefined, { limit: 'deploymentTime', max: timeoutMs }))),
      timeoutMs,
    );
    worker.on('message', (m: DeployWorkerMessage) => {
      if (m.op === 'log') options.logger[m.level](m.msg, m.fields);
      else if (m.op === 'done') {
        finish(() => resolve({ result: m.result as DeployResult, changes: m.changes as ChangeSet }));
      } else if (m.op === 'failed') {
        const { code, message, location, details } = m.error;
        finish(() =>
          reject(new TwinError(code, message, { ...(location ? { location: location as SourceLocation } : {}), ...(details ? { details: details as Record<string, unknown> } : {}) })),
        );
      }
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      finish(() =>
        reject(
          oom
            ? armError('ERR_ARM_LIMIT_EXCEEDED', `The deployment '${input.deploymentName}' needed more than ${threadOptions.maxHeapMb ?? 1024} MB; the twin stopped it (docs/limits.md).`, undefined, { limit: 'deploymentHeap' })
            : armError('ERR_ARM_INTERNAL', `The deployment worker failed: ${e.message}`),
        ),
      );
    });
    worker.on('exit', (code) => finish(() => reject(armError('ERR_ARM_INTERNAL', `The deployment worker exited (${code}) before it answered.`))));
  });
}

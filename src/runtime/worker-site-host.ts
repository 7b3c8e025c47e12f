import { Worker } from 'node:worker_threads';
import { TwinError } from '../core/index.js';
import type { SiteHost, SiteUrls } from './site-host.js';
import type { SiteWorkerData, SiteWorkerDecision, SiteWorkerReply, SiteWorkerRequest } from './site-worker.js';
import type { SiteDecision } from './decision-log.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Outgoing = SiteWorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * Site listeners on a worker thread (`site-worker.js`, the compiled file next to this one).
 * Same contract as the in-process host.
 */
export function createWorkerSiteHost(data: SiteWorkerData, onDecision?: (record: SiteDecision) => void): SiteHost {
  const worker = new Worker(new URL('./site-worker.js', import.meta.url), { workerData: data });
  const pending = new Map<number, Pending>();
  let next = 0;
  let exited = false;
  worker.on('message', (r: SiteWorkerReply | SiteWorkerDecision) => {
    if ('decisions' in r) {
      if (onDecision) for (const d of r.decisions) onDecision(d);
      return;
    }
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.ok) p.resolve(r.result);
    else p.reject(new TwinError(r.code ?? 'ERR_RUNTIME_SITE_WORKER', r.error));
  });
  const failAll = (why: string) => {
    exited = true;
    for (const p of pending.values()) p.reject(new TwinError('ERR_RUNTIME_SITE_WORKER', why));
    pending.clear();
  };
  worker.on('error', (e) => failAll(`the site worker failed: ${e.message}`));
  worker.on('exit', (code) => failAll(`the site worker exited (${code})`));
  const call = (msg: Outgoing): Promise<unknown> => {
    if (exited) return Promise.reject(new TwinError('ERR_RUNTIME_SITE_WORKER', 'the site worker is not running'));
    const id = ++next;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id });
    });
  };
  return {
    upsert: (spec) => call({ op: 'upsert', spec }) as Promise<SiteUrls>,
    remove: async (label) => {
      await call({ op: 'remove', label });
    },
    async close() {
      if (!exited) await call({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}

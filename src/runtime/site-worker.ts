/**
 * Worker-thread entry that runs the site listeners (Easy Auth + forwarding to the function
 * backend), so that the Easy Auth hop and the gateway hop use different cores, as separate
 * App Service and APIM front ends do in Azure. Messages: {id, op: 'upsert'|'remove'|'close', …}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HostTable, createHttpClient, createLogger, describeError, isTwinError, systemClock, type LogLevel } from '../core/index.js';
import { createInProcessSiteHost, type SiteSpec } from './site-host.js';
import type { SiteDecision } from './decision-log.js';
import { IDENTITY_HOSTS } from './hosts.js';
import { createCustomHostTls } from './custom-host-tls.js';

export interface SiteWorkerData {
  tls: { cert: string; key: string };
  ca: string;
  /** The local CA's key: the worker's listeners issue the certificates of custom domains with it (custom-host-tls.ts). */
  caKey?: string;
  identity: { http: string; https: string };
  logLevel: LogLevel;
}

export type SiteWorkerRequest =
  | { id: number; op: 'upsert'; spec: SiteSpec }
  | { id: number; op: 'remove'; label: string }
  | { id: number; op: 'close' };

export type SiteWorkerReply = { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: string; code?: string };

/** Sent by the worker on its own: the decision records of the requests served since the last batch (plain data, structured-cloned). */
export interface SiteWorkerDecision {
  decisions: SiteDecision[];
}

const data = workerData as SiteWorkerData;
const hosts = new HostTable();
for (const h of IDENTITY_HOSTS) hosts.set(h, data.identity);
const client = createHttpClient({ resolver: hosts, ca: data.ca });

const DECISION_BATCH = 256;
let batch: SiteDecision[] = [];
function flushDecisions(): void {
  if (batch.length === 0) return;
  const decisions = batch;
  batch = [];
  parentPort!.postMessage({ decisions } satisfies SiteWorkerDecision);
}

const logger = createLogger({ level: data.logLevel });
const host = createInProcessSiteHost({
  tls: data.tls,
  client,
  clock: systemClock,
  logger,
  ...(data.caKey ? { customTls: createCustomHostTls({ cert: data.ca, key: data.caKey }, logger) } : {}),
  browserIdentityOrigin: data.identity.https,
  // Decision records cross to the main thread, where the control plane serves them (trustline explain): in
  // batches, one message per turn of the event loop rather than one per request (a message costs more than a record).
  onDecision: (decision) => {
    batch.push(decision);
    if (batch.length === 1) setImmediate(flushDecisions);
    else if (batch.length >= DECISION_BATCH) flushDecisions();
  },
});

parentPort!.on('message', (m: SiteWorkerRequest) => {
  void (async () => {
    try {
      let result: unknown;
      if (m.op === 'upsert') result = await host.upsert(m.spec);
      else if (m.op === 'remove') await host.remove(m.label);
      else {
        flushDecisions();
        await host.close();
        await client.close();
      }
      parentPort!.postMessage({ id: m.id, ok: true, result } satisfies SiteWorkerReply);
    } catch (e) {
      const code = isTwinError(e) ? e.code : undefined;
      parentPort!.postMessage({ id: m.id, ok: false, error: code ? (e as Error).message : describeError(e), code } satisfies SiteWorkerReply);
    }
  })();
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin, type TwinOptions } from '../../src/runtime/index.js';

/**
 * A twin (in memory, its control plane open: no bearer token) for the tests of one describe block, started before
 * them and closed after them, and `json(path, { method, body })`: a control-plane request through the twin's CA
 * (`path` relative to the control plane, or a full https URL such as an Azure-AsyncOperation) answered as
 * `{ status, headers, body }` with the body parsed.
 */
export function useControlPlaneTwin(prefix: string, options: Omit<TwinOptions, 'stateDir' | 'inMemory' | 'controlPlaneAuth'>) {
  let twin: Twin | undefined;
  let tls: Agent | undefined;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    twin = await startTwin({ stateDir: dir, inMemory: true, controlPlaneAuth: false, ...options });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const json = async <T = Record<string, unknown>>(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const url = path.startsWith('https://') ? path : `${twin!.ready().controlPlane}${path}`;
    const r = await request(url, {
      dispatcher: tls,
      method: (init.method ?? 'GET') as 'GET',
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      headers: { 'content-type': 'application/json', ...init.headers },
    });
    const text = await r.body.text();
    return { status: r.statusCode, headers: r.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    get twin(): Twin {
      return twin!;
    },
    json,
  };
}

/** Options of a quiet real-time twin in westeurope for `useControlPlaneTwin` (system clock, random ids, no log). */
export function realTimeTwin(tenantId: string, subscriptionId: string, resourceGroup: string) {
  return { tenantId, subscriptionId, resourceGroup, location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger };
}

/** The decision log behind `trustline explain`: a bounded ring, looked up by request id, newest record first. */
import { describe, expect, it } from 'vitest';
import { createDecisionLog } from '../../src/runtime/index.js';
import type { DecisionRecord } from '../../src/runtime/decision-log.js';

const site = (requestId: string, time: string, extra: Partial<DecisionRecord> = {}): DecisionRecord =>
  ({ kind: 'site', requestId, site: 's', time, method: 'GET', path: '/', host: 'h', scheme: 'https', outcome: 'forwarded-authenticated', status: 200, steps: [], durationMs: 1, ...extra }) as DecisionRecord;
const apim = (requestId: string, time: string, durationMs: number): DecisionRecord =>
  ({ kind: 'apim', requestId, service: 'svc', time, method: 'GET', url: 'https://x/', route: { api: null, operation: null, urlTemplate: null, parameters: {} }, subscription: null, steps: [], tokens: [], backend: [], error: null, status: 200, durationMs }) as unknown as DecisionRecord;

describe('decision log', () => {
  it('keeps the last `capacity` records, oldest first in last(n), and forgets the evicted ones', () => {
    const log = createDecisionLog(3);
    for (let i = 1; i <= 5; i++) log.add(site(`r${i}`, `2026-11-30T00:00:0${i}.000Z`));
    expect(log.size).toBe(3);
    expect(log.last(10).map((r) => r.requestId)).toEqual(['r3', 'r4', 'r5']);
    expect(log.last(2).map((r) => r.requestId)).toEqual(['r4', 'r5']);
    expect(log.last(0)).toEqual([]);
    expect(log.get('r1')).toBeUndefined();
    expect(log.get('r2')).toBeUndefined();
    expect(log.get('r4')?.requestId).toBe('r4');
    expect(log.get('nope')).toBeUndefined();
  });

  it('a repeated request id answers with the newest record', () => {
    const log = createDecisionLog(4);
    log.add(site('same', '2026-11-30T00:00:01.000Z', { status: 401 }));
    log.add(site('other', '2026-11-30T00:00:02.000Z'));
    log.add(site('same', '2026-11-30T00:00:03.000Z', { status: 200 }));
    expect(log.get('same')?.status).toBe(200);
  });

  it('related: a gateway record and the site records that arrived while it ran', () => {
    const log = createDecisionLog(10);
    log.add(site('before', '2026-11-30T00:00:00.500Z'));
    log.add(apim('gw', '2026-11-30T00:00:01.000Z', 20));
    log.add(site('during', '2026-11-30T00:00:01.010Z'));
    log.add(site('after', '2026-11-30T00:00:02.000Z'));
    expect(log.related('gw')?.map((r) => r.requestId)).toEqual(['gw', 'during']);
    expect(log.related('during')?.map((r) => r.requestId)).toEqual(['during']);
    expect(log.related('gone')).toBeUndefined();
  });

  it('requests(n): the last n requests from outside, each gateway request with its site hops (added before it)', () => {
    const log = createDecisionLog(10);
    log.add(site('direct-1', '2026-11-30T00:00:00.500Z'));
    // A call through the gateway: the site's record of its backend call is complete (and added) first.
    log.add(site('hop', '2026-11-30T00:00:01.010Z'));
    log.add(apim('gw', '2026-11-30T00:00:01.000Z', 20));
    log.add(site('direct-2', '2026-11-30T00:00:02.000Z'));
    expect(log.requests(1).map((r) => r.requestId)).toEqual(['direct-2']);
    expect(log.requests(2).map((r) => r.requestId)).toEqual(['hop', 'gw', 'direct-2']);
    expect(log.requests(3).map((r) => r.requestId)).toEqual(['direct-1', 'hop', 'gw', 'direct-2']);
    expect(log.requests(0)).toEqual([]);
    log.add(site('hop-2', '2026-11-30T00:00:03.005Z'));
    log.add(apim('gw-2', '2026-11-30T00:00:03.000Z', 10));
    // The quick start's `explain --last 1` after a call through the gateway: the gateway's tree with its site hop.
    expect(log.requests(1).map((r) => r.requestId)).toEqual(['hop-2', 'gw-2']);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createDecisionLog(0)).toThrow(TypeError);
    expect(() => createDecisionLog(1.5)).toThrow(TypeError);
  });
});

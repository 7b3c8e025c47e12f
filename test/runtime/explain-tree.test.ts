/** `trustline explain`'s tree: a site request is shown under the gateway backend call that made it, and only then. */
import { describe, expect, it } from 'vitest';
import { renderDecisions } from '../../src/runtime/index.js';
import type { DecisionRecord, SiteDecision } from '../../src/runtime/index.js';

const gateway = {
  kind: 'apim',
  requestId: 'g1',
  service: 'svc',
  time: '2026-01-01T00:00:00.000Z',
  method: 'GET',
  url: 'https://svc.azure-api.net/functions/hello',
  route: { api: 'functions', operation: 'hello', urlTemplate: '/hello', parameters: {} },
  subscription: null,
  steps: [],
  tokens: [],
  backend: [{ method: 'GET', url: 'https://fn.azurewebsites.net/api/hello', status: 200, ms: 90 }],
  error: null,
  status: 200,
  durationMs: 100,
} as unknown as DecisionRecord;

const site = (requestId: string, status: number, time: string): SiteDecision => ({
  kind: 'site',
  requestId,
  site: 'fn',
  time,
  method: 'GET',
  path: '/api/hello',
  host: 'fn.azurewebsites.net',
  scheme: 'https',
  outcome: status === 200 ? 'authenticated' : 'rejected',
  status,
  steps: [],
  durationMs: 1,
} as SiteDecision);

describe('explain tree', () => {
  it("nests the site request the gateway's backend call made", () => {
    const lines = renderDecisions([gateway, site('s1', 200, '2026-01-01T00:00:00.020Z')]);
    expect(lines.find((l) => l.includes('request s1'))).toMatch(/^│ {2}200 GET/);
  });

  it('a direct call to the site just after the gateway request stands on its own', () => {
    // Another status, or after the gateway answered: not the backend call's site request.
    const lines = renderDecisions([gateway, site('s2', 401, '2026-01-01T00:00:00.030Z'), site('s3', 200, '2026-01-01T00:00:00.600Z')]);
    expect(lines.find((l) => l.includes('request s2'))).toMatch(/^401 GET/);
    expect(lines.find((l) => l.includes('request s3'))).toMatch(/^200 GET/);
  });
});

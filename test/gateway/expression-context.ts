import { ManualClock } from '../../src/core/index.js';
import type { HostContext } from '../../src/gateway/expressions/host.js';
import type { Value } from '../../src/gateway/expressions/values.js';

/** A `context` for evaluating expressions without a server. */
export function fakeContext(init: { variables?: Record<string, Value>; headers?: Array<[string, string]>; subscription?: boolean } = {}): HostContext & { traces: string[] } {
  const headers = new Map<string, { name: string; values: string[] }>();
  for (const [k, v] of init.headers ?? []) {
    const e = headers.get(k.toLowerCase());
    if (e) e.values.push(v);
    else headers.set(k.toLowerCase(), { name: k, values: [v] });
  }
  const url = { scheme: 'https', host: 'trustline-func.azurewebsites.net', port: 443, path: '/api/users/42', query: [['a', '1'], ['b', 'x y']] as Array<[string, string]> };
  const traces: string[] = [];
  return {
    $type: 'Context',
    variables: new Map(Object.entries(init.variables ?? {})),
    request: {
      method: 'GET', url, originalUrl: { ...url, host: 'apim.azure-api.net', path: '/functions/users/42' }, headers, ipAddress: '10.1.2.3',
      matchedParameters: new Map([['id', '42']]),
    },
    response: { statusCode: 200, statusReason: 'OK', headers: new Map() },
    api: { id: 'functions', name: 'functions', path: 'functions', serviceUrl: null, protocols: ['https'] },
    operation: { id: 'get-user', name: 'get-user', method: 'GET', urlTemplate: '/users/{id}' },
    subscription: init.subscription ? { id: 'sub1', name: 'sub1', key: 'k1', primaryKey: 'k1', secondaryKey: 'k2' } : null,
    lastError: null,
    requestId: '00000000-0000-4000-8000-000000000001',
    clock: new ManualClock(),
    trace: (_s: string, m: string) => { traces.push(m); },
    traces,
  };
}

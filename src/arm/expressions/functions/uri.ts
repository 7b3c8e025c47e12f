import type { ArmFunction } from '../context.js';
import { expectInt, expectString, findKey, fnError, isInt, isObject, typeName } from '../values.js';

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ftp: 21, ws: 80, wss: 443 };

function field(o: Record<string, unknown>, k: string): unknown {
  const key = findKey(o, k);
  return key === undefined ? undefined : o[key];
}

/** `parseUri`/`buildUri` (Bicep sys namespace, ARM functions of the same names). */
export const uriFunctions: ArmFunction[] = [
  {
    name: 'parseUri',
    min: 1,
    max: 1,
    impl: ([v]) => {
      const text = expectString(v, 'parseUri', 1);
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw fnError('parseUri', `the value '${text}' is not an absolute URI.`);
      }
      const scheme = url.protocol.replace(/:$/, '');
      const port = url.port !== '' ? Number(url.port) : (DEFAULT_PORTS[scheme] ?? null);
      return { scheme, host: url.hostname, port, path: url.pathname, query: url.search };
    },
  },
  {
    name: 'buildUri',
    min: 1,
    max: 1,
    impl: ([v]) => {
      if (!isObject(v)) throw fnError('buildUri', `the parameter must be an object with scheme, host, port, path and query, not '${typeName(v)}'.`);
      const scheme = expectString(field(v, 'scheme'), 'buildUri', 1);
      const host = expectString(field(v, 'host'), 'buildUri', 1);
      const rawPort = field(v, 'port');
      const port = rawPort === undefined || rawPort === null ? undefined : isInt(rawPort) ? expectInt(rawPort, 'buildUri', 1) : undefined;
      if (rawPort !== undefined && rawPort !== null && port === undefined) throw fnError('buildUri', "the 'port' must be an integer or null.");
      const path = field(v, 'path') === undefined ? '' : expectString(field(v, 'path'), 'buildUri', 1);
      const query = field(v, 'query') === undefined || field(v, 'query') === null ? '' : expectString(field(v, 'query'), 'buildUri', 1);
      const portText = port === undefined || port === DEFAULT_PORTS[scheme.toLowerCase()] ? '' : `:${port}`;
      const pathText = path === '' || path.startsWith('/') ? path : `/${path}`;
      const queryText = query === '' || query.startsWith('?') ? query : `?${query}`;
      return `${scheme}://${host}${portText}${pathText === '' ? '/' : pathText}${queryText}`;
    },
  },
];

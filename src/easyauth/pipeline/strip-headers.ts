import type { IncomingHttpHeaders } from 'node:http';
import { forwardableHeaders, type OutgoingHeaders } from '../../core/index.js';

/** Platform-owned headers clients may not set (spec §4.1 step 4, §4.6). */
export function isPlatformHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith('x-ms-client-principal') || n.startsWith('x-ms-token-');
}

/** Forwardable request headers minus hop-by-hop and platform-owned ones; returns how many were stripped. */
export function strippedHeaders(headers: IncomingHttpHeaders): { headers: OutgoingHeaders; stripped: number } {
  const out = forwardableHeaders(headers);
  let stripped = 0;
  for (const k of Object.keys(out)) {
    if (isPlatformHeader(k)) {
      delete out[k];
      stripped++;
    }
  }
  return { headers: out, stripped };
}

/** `aio`, `uti` and `rh` (src/identity/tokens/opaque.ts): new random values for every token, `rh` fixed per tenant and resource. */
import { describe, it, expect } from 'vitest';
import { randomIds, sequentialIds } from '../../src/core/index.js';
import { opaqueClaims } from '../../src/identity/tokens/opaque.js';

const TENANT = '3f9c2b1a-7d4e-4c6b-9a8f-1e2d3c4b5a69';
const APP = '6f1d2a4e-3b7c-4d8e-9f01-2a3b4c5d6e7f';

describe('opaque token claims', () => {
  it('with random ids every token gets its own aio and uti (32 and 16 bytes), and the same rh for the pair', () => {
    const seen = new Set<string>();
    const rh = `0.${Buffer.concat([Buffer.from(TENANT.replaceAll('-', ''), 'hex'), Buffer.from(APP.replaceAll('-', ''), 'hex')]).toString('base64url')}.`;
    for (let i = 0; i < 200; i++) {
      const o = opaqueClaims(randomIds, TENANT, APP);
      expect(Buffer.from(o.aio, 'base64url')).toHaveLength(32);
      expect(o.uti).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(o.rh).toBe(rh);
      expect(seen.has(o.uti) || seen.has(o.aio)).toBe(false);
      seen.add(o.uti).add(o.aio);
    }
  });

  it('with a predictable id generator the values come from its uuids (tests can fix them)', () => {
    const a = opaqueClaims(sequentialIds('aaaaaaaa'), TENANT, APP);
    const b = opaqueClaims(sequentialIds('aaaaaaaa'), TENANT, APP);
    expect(a).toEqual(b);
    expect(Buffer.from(a.uti, 'base64url').toString('hex')).toBe('aaaaaaaa000040008000000000000003');
  });
});

// Client secrets: HMAC-SHA256 with a salt; a secret that matched once is recognised again without a new HMAC,
// and the cache never lets another value through.
import { describe, expect, it } from 'vitest';
import { hashSecret, secretMatches } from '../../src/identity/directory/secrets.js';

describe('secretMatches', () => {
  it('matches the secret, refuses others, before and after a cached match', () => {
    const stored = hashSecret('the-right-secret-value', 'k1');
    expect(stored.hash).not.toContain('the-right');
    expect(secretMatches('the-right-secret-valuf', stored)).toBe(false);
    expect(secretMatches('the-right-secret-value', stored)).toBe(true);
    expect(secretMatches('the-right-secret-value', stored)).toBe(true);
    for (const wrong of ['the-right-secret-valuf', 'the-right-secret-valu', 'the-right-secret-value ', '', 'THE-RIGHT-SECRET-VALUE']) expect(secretMatches(wrong, stored), wrong).toBe(false);
    // Another credential with the same secret text has its own salt and its own cache entry.
    const other = hashSecret('another-secret-entirely', 'k2');
    expect(secretMatches('the-right-secret-value', other)).toBe(false);
    expect(secretMatches('another-secret-entirely', other)).toBe(true);
    expect(secretMatches('another-secret-entirely', stored)).toBe(false);
  });
});

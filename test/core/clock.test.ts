/** isoTime: the request path's timestamp, the same text as Date#toISOString. */
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/core/index.js';

describe('isoTime', () => {
  it('matches toISOString across milliseconds, seconds, days and odd values', () => {
    const base = Date.UTC(2026, 10, 30, 23, 59, 58, 990);
    const values = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 2010, 86_400_000];
    for (const d of values) expect(isoTime(base + d)).toBe(new Date(base + d).toISOString());
    // Back and forth in time (the cached second changes both ways).
    for (const ms of [base, base - 5_000, base + 7, base - 5_000 + 3, 0, -1, 253_402_300_799_999, 253_402_300_800_000, 1.5]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});

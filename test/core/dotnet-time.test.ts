import { describe, it, expect } from 'vitest';
import { reverseTicksId, jsonTimestamp, xmlDuration } from '../../src/core/index.js';

describe('.NET times as Azure writes them', () => {
  it('jsonTimestamp: Newtonsoft\'s FFFFFFF — trailing zeros of the fraction dropped, none when it is zero, UTC', () => {
    expect(jsonTimestamp(Date.UTC(2026, 10, 30, 5, 1, 2, 123))).toBe('2026-11-30T05:01:02.123Z');
    expect(jsonTimestamp(Date.UTC(2026, 10, 30, 5, 1, 2, 120))).toBe('2026-11-30T05:01:02.12Z');
    expect(jsonTimestamp(Date.UTC(2026, 10, 30, 5, 1, 2, 5))).toBe('2026-11-30T05:01:02.005Z');
    expect(jsonTimestamp(Date.UTC(2019, 2, 1))).toBe('2019-03-01T00:00:00Z');
  });

  it('xmlDuration: XmlConvert.ToString(TimeSpan) — zero parts left out, trailing fraction zeros dropped', () => {
    expect(xmlDuration(0)).toBe('PT0S');
    expect(xmlDuration(-5)).toBe('PT0S');
    expect(xmlDuration(270)).toBe('PT0.27S');
    expect(xmlDuration(820)).toBe('PT0.82S');
    expect(xmlDuration(1000)).toBe('PT1S');
    expect(xmlDuration(62_500)).toBe('PT1M2.5S');
    expect(xmlDuration(134_094)).toBe('PT2M14.094S');
    expect(xmlDuration(3_600_000)).toBe('PT1H');
    expect(xmlDuration(3_660_000)).toBe('PT1H1M');
    expect(xmlDuration(86_400_000)).toBe('P1D');
    expect(xmlDuration(93_784_567)).toBe('P1DT2H3M4.567S');
  });

  it('reverseTicksId: long.MaxValue minus the .NET ticks, 20 digits — the job id azure-cli recorded at 2020-07-23 00:24:33 UTC', () => {
    // Recorded: …/deployments/…/operationStatuses/08586061430124438587 (response dated 00:24:32–33 GMT, timestamp 00:24:33.30).
    const ours = reverseTicksId(Date.UTC(2020, 6, 23, 0, 24, 33, 33));
    expect(ours).toMatch(/^\d{20}$/);
    const diff = BigInt(ours) - BigInt('08586061430124438587');
    expect(diff < 0n ? -diff : diff).toBeLessThan(10_000n); // within one millisecond of ticks
    expect(reverseTicksId(1000) < reverseTicksId(999)).toBe(true);
  });
});

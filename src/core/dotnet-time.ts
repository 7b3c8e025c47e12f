/**
 * Times as .NET services write them in JSON (Azure Resource Manager among them): a `DateTime` as Newtonsoft.Json
 * writes it by default (`yyyy-MM-ddTHH:mm:ss.FFFFFFFK`: up to seven fractional digits, trailing zeros dropped, no
 * fraction at all when it is zero), a `TimeSpan` as `XmlConvert.ToString` writes it (ISO 8601 duration).
 */

/**
 * `2026-11-30T05:01:02.123Z`, `…:02.12Z`, `…:02Z` (UTC). Observed in ARM's answers: `2020-07-23T00:24:33.3047061Z`
 * (7 digits), `2020-07-06T22:17:51.237703Z` (6: the seventh was a zero), `0001-01-01T00:00:00Z` (none). The twin's
 * clocks count milliseconds, so at most three digits remain.
 */
export function jsonTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  // toISOString always ends `…SS.mmmZ` (years outside 0000–9999 keep their own prefix).
  return iso.replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

/**
 * `XmlConvert.ToString(TimeSpan)`: `PT0S`, `PT0.27S`, `PT1M2.5S`, `PT1H`, `P1DT2H3M4.567S` — zero parts left out,
 * trailing zeros of the fraction dropped. Negative spans count as zero (a duration never runs backwards).
 */
export function xmlDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  let time = '';
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (seconds || millis) time += millis ? `${seconds}.${String(millis).padStart(3, '0').replace(/0+$/, '')}S` : `${seconds}S`;
  if (!days && !time) return 'PT0S';
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/** Ticks (100 ns) from 0001-01-01 to the Unix epoch, as .NET counts them. */
const EPOCH_TICKS = 621_355_968_000_000_000n;
const LONG_MAX = 9_223_372_036_854_775_807n;

/**
 * `long.MaxValue - DateTime.UtcNow.Ticks`, zero-padded to 20 digits: the id ARM gives a deployment's job
 * (`…/deployments/{name}/operationStatuses/08586061430124438587`). Observed: that id in azure-cli's recorded
 * session of 2020-07-23 00:24:33 UTC (test_group_deployment_lite) is exactly this value at that second.
 * Later ids sort before earlier ones.
 */
export function reverseTicksId(ms: number): string {
  const ticks = BigInt(Math.floor(ms)) * 10_000n + EPOCH_TICKS;
  return (LONG_MAX - ticks).toString().padStart(20, '0');
}

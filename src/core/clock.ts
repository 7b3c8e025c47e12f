/** Injectable clock: everything that deals with token lifetimes, caches or expiry takes one. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock for tests: starts at `start` and moves only when told to. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = Date.UTC(2026, 10, 29, 12, 0, 0)) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  set(ms: number): void {
    this.#now = ms;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

let isoSecond = NaN;
let isoPrefix = '';
/**
 * `new Date(ms).toISOString()`, cheaper on the request path: the `YYYY-MM-DDTHH:MM:SS.` part is formatted once
 * per second and the milliseconds appended (decision records stamp every request).
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    const full = new Date(second * 1000).toISOString();
    // Years outside 0000–9999 have another shape: leave them to Date.
    if (full.length !== 24) return new Date(ms).toISOString();
    isoSecond = second;
    isoPrefix = full.slice(0, 20);
  }
  const milli = ms - second * 1000;
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

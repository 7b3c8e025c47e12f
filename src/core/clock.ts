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

import { isTwinError, type TwinError } from '../../src/core/index.js';

/** The TwinError that `fn` throws (any other error is thrown again; not throwing fails the test). */
export function thrown(fn: () => unknown): TwinError {
  try {
    fn();
  } catch (e) {
    if (isTwinError(e)) return e;
    throw e;
  }
  throw new Error('did not throw');
}

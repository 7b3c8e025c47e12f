import type { IdGenerator } from '../../core/index.js';
import { ArmHttpError } from './wire.js';

export interface AsyncOperation {
  /** `InProgress`, `Accepted`, `Running` while it runs; `Succeeded`, `Failed`, `Canceled` (Azure-AsyncOperation status). */
  status: string;
  error?: unknown;
  /** What the `Location` poll answers once done: status and optional body. */
  result?: { status: number; body?: unknown };
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

/** Is an operation status terminal (`Succeeded`, `Failed`, `Canceled`)? */
export function isTerminal(status: string): boolean {
  return TERMINAL.has(status.toLowerCase());
}

/**
 * Long-running operations, kept for polling (the newest `max`, in memory). An entry is a fixed answer, a live
 * view (a deployment's state), or the state of a promise (`track`: `InProgress` until it settles).
 */
export class AsyncOperations {
  readonly #ops = new Map<string, AsyncOperation | (() => AsyncOperation)>();
  readonly #ids: IdGenerator;
  readonly #max: number;
  constructor(ids: IdGenerator, max = 1000) {
    this.#ids = ids;
    this.#max = max;
  }

  /** Keep an operation; `id`: its id when the caller has ARM's own form of it (a deployment's job id), else a GUID. */
  add(op: AsyncOperation | (() => AsyncOperation), id = this.#ids.uuid()): string {
    this.#ops.set(id.toLowerCase(), op);
    while (this.#ops.size > this.#max) this.#ops.delete(this.#ops.keys().next().value!);
    return id;
  }

  /**
   * An operation that runs now: `InProgress` until `work` settles, then `Succeeded` with the answer it resolves
   * to, or `Failed` with the ARM error it throws (the `Location` poll answers that error's status and body).
   */
  track(work: Promise<{ status: number; body?: unknown }>): string {
    const op: AsyncOperation = { status: 'InProgress' };
    const id = this.add(op);
    work.then(
      (result) => Object.assign(op, { status: 'Succeeded', result }),
      (e: unknown) => {
        const body = e instanceof ArmHttpError ? e.body : { code: 'InternalServerError', message: 'Encountered an internal server error.' };
        Object.assign(op, { status: 'Failed', error: body, result: { status: e instanceof ArmHttpError ? e.status : 500, body: { error: body } } });
      },
    );
    return id;
  }

  get(id: string): AsyncOperation | undefined {
    const op = this.#ops.get(id.toLowerCase());
    return typeof op === 'function' ? op() : op;
  }
}

import type { IdGenerator } from '../../core/index.js';

export interface AsyncOperation {
  /** `Succeeded`, `Failed`, `Canceled` (Azure-AsyncOperation status). */
  status: string;
  error?: unknown;
  /** What the `Location` poll answers once done: status and optional body. */
  result?: { status: number; body?: unknown };
}

/** Finished long-running operations, kept for polling (the newest `max`, in memory). */
export class AsyncOperations {
  readonly #ops = new Map<string, AsyncOperation>();
  readonly #ids: IdGenerator;
  readonly #max: number;
  constructor(ids: IdGenerator, max = 1000) {
    this.#ids = ids;
    this.#max = max;
  }
  add(op: AsyncOperation): string {
    const id = this.#ids.uuid();
    this.#ops.set(id.toLowerCase(), op);
    while (this.#ops.size > this.#max) this.#ops.delete(this.#ops.keys().next().value!);
    return id;
  }
  get(id: string): AsyncOperation | undefined {
    return this.#ops.get(id.toLowerCase());
  }
}

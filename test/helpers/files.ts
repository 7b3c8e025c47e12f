import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Files below `dir` (sorted, recursively) whose name `accept`s. */
export function listFiles(dir: string, accept: (name: string) => boolean): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? listFiles(p, accept) : accept(n) ? [p] : [];
    });
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
export { listFiles } from './files.js';
import { join, resolve } from 'node:path';
import { ROOT } from './cli-process.js';

/** The shared corpus: `../shared/corpus/<kind>` beside the checkout (as CI lays it out). */
export function corpusDir(kind: 'arm-templates' | 'apim-policies'): string {
  const candidates = [resolve(ROOT, '..', 'shared', 'corpus', kind), join('/work/shared/corpus', kind)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`the corpus ${kind} is not at ${candidates.join(' or ')}`);
  return found;
}

/**
 * Compare per-file results with the recorded expectations. `UPDATE_EXPECTATIONS=1` rewrites the file;
 * otherwise a missing file or any difference is reported (a better result too: record it).
 */
export function compareWithExpectations<T>(file: string, actual: Record<string, T>): string[] {
  if (process.env.UPDATE_EXPECTATIONS === '1') {
    writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
    return [];
  }
  if (!existsSync(file)) return [`no expectations file ${file}: run with UPDATE_EXPECTATIONS=1 to record one`];
  const expected = JSON.parse(readFileSync(file, 'utf8')) as Record<string, T>;
  const out: string[] = [];
  for (const [f, exp] of Object.entries(expected)) {
    if (!(f in actual)) out.push(`${f}: recorded but no longer in the corpus`);
    else if (JSON.stringify(actual[f]) !== JSON.stringify(exp)) out.push(`${f}: recorded ${JSON.stringify(exp)}, now ${JSON.stringify(actual[f])}`);
  }
  for (const f of Object.keys(actual)) if (!(f in expected)) out.push(`${f}: not recorded yet`);
  return out;
}

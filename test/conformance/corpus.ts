/**
 * Where the conformance runners find the shared corpora. `npm run conformance` (scripts/conformance.mjs) resolves
 * the corpus folder once — `TRUSTLINE_CORPUS`, else `../shared/corpus` beside the checkout, as CI lays it out —
 * checks it, and hands it to the runners in `TRUSTLINE_CORPUS`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
export { listFiles } from '../helpers/files.js';

export type CorpusKind = 'arm-templates' | 'apim-policies';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The corpus root: `TRUSTLINE_CORPUS`, else `../shared/corpus` beside the checkout. */
export function corpusRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRUSTLINE_CORPUS ? resolve(env.TRUSTLINE_CORPUS) : resolve(ROOT, '..', 'shared', 'corpus');
}

/** One collection of the corpus (`arm-templates`, `apim-policies`); throws a clear error when it is missing. */
export function corpusDir(kind: CorpusKind): string {
  const dir = join(corpusRoot(), kind);
  if (!existsSync(dir)) throw new Error(`the corpus collection ${kind} is not at ${dir} (set TRUSTLINE_CORPUS to the corpus folder)`);
  return dir;
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

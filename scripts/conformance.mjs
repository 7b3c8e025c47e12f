#!/usr/bin/env node
/**
 * `npm run conformance [-- VITEST ARGS]`: runs the conformance runners (test/conformance/**\/*.conformance.ts) over
 * the shared corpora. The corpus folder is TRUSTLINE_CORPUS, else ../shared/corpus beside the checkout (as CI lays
 * it out). Without a corpus it says so and exits 1: conformance that did not run has not passed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const corpus = process.env.TRUSTLINE_CORPUS ? resolve(process.env.TRUSTLINE_CORPUS) : resolve(root, '..', 'shared', 'corpus');
const collections = ['arm-templates', 'apim-policies'];
const missing = collections.filter((c) => !existsSync(join(corpus, c)) || !statSync(join(corpus, c)).isDirectory());
if (missing.length > 0) {
  process.stderr.write(
    `trustline conformance: no corpus at ${corpus} (missing ${missing.join(', ')}).\n` +
      `Set TRUSTLINE_CORPUS to a folder holding ${collections.join('/ and ')}/, or place the corpus at ../shared/corpus beside the checkout.\n`,
  );
  process.exit(1);
}
process.stdout.write(`== conformance over ${corpus}\n`);
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.conformance.config.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TRUSTLINE_CORPUS: corpus },
});
process.exit(r.status ?? 1);

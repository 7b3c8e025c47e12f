#!/usr/bin/env node
import { statSync } from 'node:fs';

// The single-file bundle of the CLI (scripts/bundle.mjs, part of `npm run build`) starts faster than dist/ file by
// file; dist/ is used when the bundle is missing or older than the last compile (a build by `tsc` alone). The build
// is incremental: tsc rewrites only the files that changed, but always its build-info file, so that is the clock.
function entry() {
  const bundle = new URL('../dist/bundle/trustline.mjs', import.meta.url);
  const compiled = new URL('../dist/cli/index.js', import.meta.url);
  try {
    const bundled = statSync(bundle).mtimeMs;
    const last = Math.max(statSync(compiled).mtimeMs, statSync(new URL('../dist/.tsbuildinfo', import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (bundled >= last) return bundle.href;
  } catch {
    // no bundle: dist/ as compiled
  }
  return compiled.href;
}
const { main } = await import(entry());

// `trustline … | head`: the reader went away; stop quietly as other command-line tools do, not with an EPIPE trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));

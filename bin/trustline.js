#!/usr/bin/env node
import { statSync } from 'node:fs';

// The single-file bundle of the CLI (scripts/bundle.mjs, part of `npm run build`) starts faster than dist/ file by
// file; dist/ is used when the bundle is missing or older than dist/ (a build by `tsc` alone).
function entry() {
  const bundle = new URL('../dist/bundle/trustline.mjs', import.meta.url);
  try {
    if (statSync(bundle).mtimeMs >= statSync(new URL('../dist/cli/index.js', import.meta.url)).mtimeMs) return bundle.href;
  } catch {
    // no bundle: dist/ as compiled
  }
  return new URL('../dist/cli/index.js', import.meta.url).href;
}
const { main } = await import(entry());

// `trustline … | head`: the reader went away; stop quietly as other command-line tools do, not with an EPIPE trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));

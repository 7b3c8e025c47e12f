#!/usr/bin/env node
import { main } from '../dist/cli/index.js';

// `trustline … | head`: the reader went away; stop quietly as other command-line tools do, not with an EPIPE trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));

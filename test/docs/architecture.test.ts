import { describe, it, expect } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { ROOT } from '../helpers/cli-process.js';

/** Which subsystems each subsystem may import (ARCHITECTURE.md: arrows point one way). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  state: ['core'],
  identity: ['core', 'state'],
  easyauth: ['core'],
  gateway: ['core'],
  // providers validate what they store through the other subsystems' public index (policies, authsettingsV2,
  // Graph's directory rules shared with the directory file)
  arm: ['core', 'state', 'gateway', 'easyauth', 'identity'],
  // lint deploys through the runtime (one compile path) and reads the subsystems' public facts
  lint: ['core', 'state', 'arm', 'runtime', 'gateway', 'easyauth', 'identity'],
  runtime: ['core', 'state', 'arm', 'identity', 'easyauth', 'gateway'],
  console: ['core', 'state', 'runtime'],
  // `trustline up` composes the process: the twin (runtime) with the web console (console) at its control plane;
  // `trustline lint` runs the lint.
  cli: ['core', 'state', 'arm', 'runtime', 'console', 'lint'],
};


describe('architecture', () => {
  it('subsystems import each other only through index.ts and only along the allowed arrows', () => {
    const src = join(ROOT, 'src');
    const violations: string[] = [];
    for (const file of listFiles(src, (n) => n.endsWith('.ts'))) {
      const from = relative(src, file).split('/')[0]!;
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = relative(src, resolve(dirname(file), m[1]!));
        const [to, ...rest] = target.split('/');
        if (to === from) continue;
        if (!(ALLOWED[from] ?? []).includes(to!)) violations.push(`${relative(ROOT, file)} imports ${to} (${m[1]})`);
        else if (rest.join('/') !== 'index.js') violations.push(`${relative(ROOT, file)} reaches into ${target} instead of ${to}/index.js`);
      }
    }
    expect(violations).toEqual([]);
  });
});

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-process.js';

// bin/trustline.js runs the bundle (dist/bundle/) only when it is at least as new as the last compile; a checkout
// rebuilt by `tsc` alone (incremental: only the changed files are rewritten, and dist/.tsbuildinfo) runs dist/.
describe('bin/trustline.js entry choice', () => {
  let dir: string;
  const main = (who: string) => `export async function main() { console.log(${JSON.stringify(who)}); return 0; }\n`;
  const at = (file: string, seconds: number) => utimesSync(join(dir, file), seconds, seconds);
  const run = () => execFileSync(process.execPath, [join(dir, 'bin', 'trustline.js')], { encoding: 'utf8' }).trim();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-bin-'));
    for (const d of ['bin', 'dist/cli', 'dist/bundle']) mkdirSync(join(dir, d), { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'trustline.js'), join(dir, 'bin', 'trustline.js'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'dist/cli/index.js'), main('dist'));
    writeFileSync(join(dir, 'dist/bundle/trustline.mjs'), main('bundle'));
    writeFileSync(join(dir, 'dist/.tsbuildinfo'), '{}');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the bundle built after the last compile', () => {
    at('dist/cli/index.js', 1000);
    at('dist/.tsbuildinfo', 1000);
    at('dist/bundle/trustline.mjs', 2000);
    expect(run()).toBe('bundle');
  });

  it('runs dist/ when tsc rewrote some other file after the bundle (build info newer, cli/index.js unchanged)', () => {
    at('dist/cli/index.js', 1000);
    at('dist/bundle/trustline.mjs', 2000);
    at('dist/.tsbuildinfo', 3000);
    expect(run()).toBe('dist');
  });

  it('runs dist/ when there is no bundle', () => {
    rmSync(join(dir, 'dist/bundle'), { recursive: true });
    expect(run()).toBe('dist');
  });
});

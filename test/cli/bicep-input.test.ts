/** A Bicep file given where ARM JSON is read: a usage error that says how to compile it, not a JSON parse error. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';

const dir = mkdtempSync(join(tmpdir(), 'trustline-bicep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bicep = join(dir, 'main.bicep');
writeFileSync(bicep, "param location string = resourceGroup().location\n");

async function run(argv: string[]) {
  let err = '';
  const code = await main(argv, { stdout: () => {}, stderr: (s) => (err += s), cwd: dir });
  return { code, err };
}

describe('Bicep input', () => {
  it('expand, deploy and up name the file as Bicep and the command that compiles it', async () => {
    for (const argv of [['expand', bicep], ['deploy', '--template', bicep], ['up', '--template', bicep, '--print-config']]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain(`ERR_CLI_INPUT: ${bicep} is Bicep`);
      expect(r.err).toContain(`az bicep build --file ${bicep}`);
    }
    const params = join(dir, 'main.bicepparam');
    writeFileSync(params, "using 'main.bicep'\n");
    const p = await run(['expand', join(dir, 'x.json'), '--parameters', params]);
    expect(p.err).toContain(`az bicep build-params --file ${params}`);
  });

  it('a folder with main.bicep and no JSON template says to compile it', async () => {
    const folder = join(dir, 'app');
    mkdirSync(folder);
    writeFileSync(join(folder, 'main.bicep'), '');
    const r = await run(['deploy', folder]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('it holds main.bicep: compile it first');
  });
});

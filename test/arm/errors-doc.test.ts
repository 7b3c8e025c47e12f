import { describe, it, expect } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARM_ERROR_CODES } from '../../src/arm/errors.js';

const root = fileURLToPath(new URL('../../', import.meta.url));


describe('docs/errors/arm.md', () => {
  it('lists exactly the ERR_ARM_* codes the code can raise', () => {
    const doc = readFileSync(join(root, 'docs/errors/arm.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| `(ERR_ARM_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual([...ARM_ERROR_CODES].sort());
    const used = new Set<string>();
    for (const f of listFiles(join(root, 'src/arm'), (n) => n.endsWith('.ts'))) {
      if (f.endsWith('errors.ts')) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(/'(ERR_ARM_[A-Z_]+)'/g)) used.add(m[1]!);
    }
    expect([...used].sort()).toEqual([...ARM_ERROR_CODES].sort());
  });
});

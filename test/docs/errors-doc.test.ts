import { describe, it, expect } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli-process.js';


describe('docs/errors', () => {
  it('lists every error code used in src/', () => {
    const used = new Set<string>();
    for (const f of listFiles(join(ROOT, 'src'), (n) => n.endsWith('.ts'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/['"`](ERR_[A-Z0-9_]+)['"`]/g)) used.add(m[1]!);
    }
    const docs = readdirSync(join(ROOT, 'docs', 'errors'))
      .map((n) => readFileSync(join(ROOT, 'docs', 'errors', n), 'utf8'))
      .join('\n');
    const missing = [...used].filter((c) => !docs.includes(c)).sort();
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(10);
  });
});

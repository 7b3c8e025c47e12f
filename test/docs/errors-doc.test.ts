import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli-process.js';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('docs/errors', () => {
  it('lists every error code used in src/', () => {
    const used = new Set<string>();
    for (const f of walk(join(ROOT, 'src'))) {
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

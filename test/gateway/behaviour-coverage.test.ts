/**
 * Every behaviour of docs/behaviour/apim.md §7 (1–46) is named by a test: a test or describe title says
 * "behaviour N" / "behaviours N, M" / "behaviours N–M", or a title in test/gateway/behaviours.test.ts starts with "N:".
 * The titles are the index; the tests under them assert exact statuses, headers and bodies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { ROOT } from '../helpers/cli-process.js';

const TITLE = /\b(?:it|describe)\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g;

export function behavioursNamed(): Map<number, string[]> {
  const named = new Map<number, string[]>();
  const add = (n: number, where: string) => named.set(n, [...(named.get(n) ?? []), where]);
  for (const file of listFiles(join(ROOT, 'test'), (n) => (n.endsWith('.test.ts') || n.endsWith('.conformance.ts')) && n !== 'behaviour-coverage.test.ts')) {
    const rel = file.slice(ROOT.length + 1);
    for (const m of readFileSync(file, 'utf8').matchAll(TITLE)) {
      const title = m[2]!;
      if (rel === 'test/gateway/behaviours.test.ts') {
        const lead = /^(\d+)(?:[–-](\d+))?:/.exec(title);
        if (lead) for (let n = Number(lead[1]); n <= Number(lead[2] ?? lead[1]); n++) add(n, rel);
      }
      for (const b of title.matchAll(/behaviours? ((?:\d+(?:[–-]\d+)?(?:, | and )?)+)/g)) {
        for (const part of b[1]!.split(/, | and /)) {
          const [a, z] = part.split(/[–-]/).map(Number);
          if (a === undefined || Number.isNaN(a)) continue;
          for (let n = a; n <= (z ?? a); n++) add(n, rel);
        }
      }
    }
  }
  return named;
}

describe('docs/behaviour/apim.md §7 coverage', () => {
  it('each behaviour of the list (1 to 46) is named by at least one test', () => {
    const named = behavioursNamed();
    const missing = Array.from({ length: 46 }, (_, i) => i + 1).filter((n) => !named.has(n));
    expect(missing).toEqual([]);
  });
});

/**
 * Every trap of docs/behaviour/arm.md §5 (the numbered list, `10a` included) is named by a test: a test or describe
 * title says "arm trap N" / "arm traps N, M" / "arm traps N–M" (issue 5: a unit case per trap of the spec). The
 * titles are the index; the tests under them assert the values Learn and Azure give. A trap added to the document
 * without a test, or a title naming a trap the document does not have, fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { ROOT } from '../helpers/cli-process.js';

const TITLE = /\b(?:it|describe)(?:\.each\([^)]*\))?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g;

/** The trap numbers of §5 of the behaviour document's text, in order (`1`, …, `10`, `10a`, …). */
export function trapsOf(doc: string): string[] {
  const section = /^## 5\. .*$([\s\S]*?)(?=^## )/m.exec(doc)?.[1] ?? '';
  return [...section.matchAll(/^(\d+[a-z]?)\. /gm)].map((m) => m[1]!);
}

/** The traps a test title names: "arm trap 5", "arm traps 2, 3 and 10a", "arm traps 1–3". */
export function trapsNamedBy(title: string): string[] {
  const named: string[] = [];
  for (const m of title.matchAll(/\barm traps? ((?:\d+[a-z]?(?:[–-]\d+)?(?:, | and )?)+)/gi)) {
    for (const part of m[1]!.split(/, | and /).filter(Boolean)) {
      const range = /^(\d+)[–-](\d+)$/.exec(part);
      if (!range) named.push(part);
      else for (let n = Number(range[1]); n <= Number(range[2]); n++) named.push(String(n));
    }
  }
  return named;
}

function trapsNamedInTests(): Map<string, string[]> {
  const named = new Map<string, string[]>();
  for (const file of listFiles(join(ROOT, 'test'), (n) => n.endsWith('.test.ts') && n !== 'trap-coverage.test.ts')) {
    const rel = file.slice(ROOT.length + 1);
    for (const m of readFileSync(file, 'utf8').matchAll(TITLE)) {
      for (const trap of trapsNamedBy(m[2]!)) named.set(trap, [...(named.get(trap) ?? []), rel]);
    }
  }
  return named;
}

describe('docs/behaviour/arm.md §5 coverage', () => {
  const traps = trapsOf(readFileSync(join(ROOT, 'docs', 'behaviour', 'arm.md'), 'utf8'));

  it('reads the numbered traps of §5 and the trap numbers of titles', () => {
    expect(trapsOf('## 4. x\n1. no\n## 5. Traps\n\n1. a\n2. b\n   3. not a trap\n10a. c\n## 6. y\n7. no\n')).toEqual(['1', '2', '10a']);
    expect(trapsNamedBy('concat (arm trap 1)')).toEqual(['1']);
    expect(trapsNamedBy('arm traps 2, 3 and 10a: …')).toEqual(['2', '3', '10a']);
    expect(trapsNamedBy('arm traps 4–6')).toEqual(['4', '5', '6']);
    expect(trapsNamedBy('behaviour 12 of the gateway')).toEqual([]);
    expect(traps.length).toBeGreaterThanOrEqual(13);
  });

  it('each trap of the list is named by at least one test title', () => {
    const named = trapsNamedInTests();
    expect(traps.filter((t) => !named.has(t))).toEqual([]);
  });

  it('no title names a trap the list does not have', () => {
    const named = trapsNamedInTests();
    expect([...named].filter(([t]) => !traps.includes(t)).map(([t, files]) => `${t} (${files.join(', ')})`)).toEqual([]);
  });
});

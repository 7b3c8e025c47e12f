/**
 * The repository stands alone: every behaviour citation (`docs/behaviour/<file>.md §N`) names a file in the repository
 * and a section that file has; no comment cites a bare "spec §" (which spec?) or a document outside the repository, and
 * no machine-local path appears anywhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { ROOT } from '../helpers/cli-process.js';

const TEXT = /\.(ts|mts|mjs|js|md|json)$/;
const sources = () =>
  ['src', 'test', 'docs', 'bench', 'examples', 'scripts', 'schema']
    .filter((d) => existsSync(join(ROOT, d)))
    .flatMap((d) => listFiles(join(ROOT, d), (n) => TEXT.test(n) && !n.endsWith('-expectations.json')))
    .concat([join(ROOT, 'README.md')]);
const rel = (f: string) => f.slice(ROOT.length + 1);

/** Headings of a markdown file, as their leading section numbers (`4.2`, `2b`, `8`). */
function sectionsOf(file: string): Set<string> {
  const out = new Set<string>();
  for (const m of readFileSync(file, 'utf8').matchAll(/^#{1,6}\s+([0-9]+[0-9a-z]*(?:\.[0-9a-z]+)*)\.?\s/gm)) out.add(m[1]!);
  return out;
}

describe('citations', () => {
  it('every docs/behaviour/<file>.md §N names an existing file and section', () => {
    const problems: string[] = [];
    let count = 0;
    for (const f of sources()) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/docs\/behaviour\/([\w-]+\.md)`? §\s?([0-9][0-9a-z]*(?:\.[0-9a-z]+)*)(?:[–-]([0-9][0-9a-z]*))?/g)) {
        count++;
        const doc = join(ROOT, 'docs', 'behaviour', m[1]!);
        if (!existsSync(doc)) {
          problems.push(`${rel(f)}: ${m[0]} — no such file`);
          continue;
        }
        const sections = sectionsOf(doc);
        for (const s of [m[2]!, m[3]].filter((x): x is string => x !== undefined)) {
          if (!sections.has(s.replace(/\.$/, ''))) problems.push(`${rel(f)}: ${m[0]} — ${m[1]} has no section ${s}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(30);
  });

  it('no bare "spec §" and no citation of a document outside the repository', () => {
    const problems: string[] = [];
    for (const f of sources()) {
      if (rel(f) === 'test/docs/citations.test.ts') continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\bspec §/i.test(line.replace(/docs\/behaviour\/[\w-]+\.md`? §/g, ''))) problems.push(`${rel(f)}:${i + 1}: cite docs/behaviour/<file>.md §N, not "spec §"`);
          if (/shared\/spec|\/work\//.test(line)) problems.push(`${rel(f)}:${i + 1}: a path outside the repository`);
        });
    }
    expect(problems).toEqual([]);
  });
});

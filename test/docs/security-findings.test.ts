/**
 * docs/security.md "Issue 8 findings and their regression tests" cites tests as `file › «test name»`: every cited file
 * must exist and hold a test of that name, so a renamed or deleted regression test shows here instead of leaving the
 * table pointing at nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-process.js';

const HEADING = '## Issue 8 findings and their regression tests';

/** The section's `file › «name», › «name»` citations, as [file, name] pairs. */
function citations(section: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const cell of section.split('\n').filter((l) => l.startsWith('|'))) {
    let file: string | undefined;
    for (const m of cell.matchAll(/`(test\/[\w/.-]+\.test\.ts)`|›\s*«([^»]+)»/g)) {
      if (m[1]) file = m[1];
      else if (file) out.push([file, m[2]!]);
      else throw new Error(`a test name without its file: ${m[2]}`);
    }
  }
  return out;
}

/** Test and describe titles of a test file, with the escapes of their string literals undone. */
function titles(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8').replace(/\\(['"`\\])/g, '$1');
}

describe('docs/security.md: issue 8 findings table', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
  const start = doc.indexOf(HEADING);
  const next = doc.indexOf('\n## ', start + HEADING.length);
  const section = doc.slice(start, next < 0 ? undefined : next);

  it('exists', () => {
    expect(start).toBeGreaterThan(0);
  });

  it('every cited test file exists and holds the cited test name', () => {
    const cited = citations(section);
    expect(cited.length).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const [file, name] of cited) {
      if (!existsSync(join(ROOT, file))) problems.push(`${file}: no such file`);
      else if (!titles(file).includes(name)) problems.push(`${file}: no test named «${name}»`);
    }
    expect(problems).toEqual([]);
  });

  it('every finding row names at least one test file', () => {
    const rows = section.split('\n').filter((l) => /^\| (C|F|O|W)\d+b? \|/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(25);
    expect(rows.filter((r) => !/`test\/[\w/.-]+\.test\.ts`/.test(r))).toEqual([]);
  });
});

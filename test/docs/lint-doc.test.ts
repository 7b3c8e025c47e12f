/** docs/lint.md's rule table and the lint's rule table (src/lint/rules.ts) say the same: every rule, its level. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/lint/index.js';
import { ROOT } from '../helpers/cli-process.js';

describe('docs/lint.md', () => {
  it('has one row per rule, with its level and the behaviour sections it relies on', () => {
    const rows = readFileSync(join(ROOT, 'docs', 'lint.md'), 'utf8').split('\n').filter((l) => /^\| TL\d{3} \|/.test(l));
    const documented = rows.map((r) => r.split(' | ').slice(0, 2).join(' ').replace(/^\| /, ''));
    expect(documented).toEqual(RULES.map((r) => `${r.id} ${r.level}`));
    for (const [i, r] of RULES.entries()) {
      for (const file of r.behaviour.matchAll(/docs\/behaviour\/[a-z-]+\.md/g)) expect(rows[i]).toContain(file[0]);
    }
  });
});

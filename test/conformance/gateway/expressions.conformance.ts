import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusOf, deriveContext, extractExpressions, FIXTURE_PATH, loadFixture, undocumentedNamedValues } from '../../gateway/corpus-expressions.js';
import { corpusDir, listFiles } from '../corpus.js';

/**
 * The fixture of test/gateway/corpus-expressions.test.ts must hold exactly the expressions of the corpus (file, line,
 * source). `UPDATE_EXPECTATIONS=1` rewrites its expression list and keeps the contexts and recorded expectations of
 * expressions that did not change; a new file gets a context derived from its policies (deriveContext: the variables
 * its set-variable and send-request policies set); a changed expression needs its context checked by hand.
 */
describe('policy expressions of the APIM corpus', () => {
  it('match the repository fixture', () => {
    const root = corpusDir('apim-policies');
    const files = listFiles(root, (n) => n.endsWith('.xml')).sort();
    const actual = files.flatMap((f) => extractExpressions(readFileSync(f, 'utf8'), relative(root, f)));
    const fixture = loadFixture();
    const key = (e: { file: string; line: number; source: string }) => `${e.file}:${e.line}:${e.source}`;
    if (process.env.UPDATE_EXPECTATIONS === '1') {
      const prev = new Map(fixture.expressions.map((e) => [key(e), e]));
      fixture.expressions = actual.map((e) => prev.get(key(e)) ?? e);
      const corpus = corpusOf(files);
      for (const f of files) {
        const rel = relative(root, f);
        if (fixture.contexts[rel] || !actual.some((e) => e.file === rel)) continue;
        const text = readFileSync(f, 'utf8');
        Object.assign(fixture.namedValues, undocumentedNamedValues(text, fixture.namedValues));
        const derived = deriveContext(text, fixture.namedValues, corpus(f));
        if (Object.keys(derived).length) fixture.contexts[rel] = derived;
      }
      writeFileSync(FIXTURE_PATH, JSON.stringify(fixture, null, 2) + '\n');
      return;
    }
    expect(fixture.expressions.map(key)).toEqual(actual.map(key));
  });
});

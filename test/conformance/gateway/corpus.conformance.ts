import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTwinError } from '../../../src/core/index.js';
import { loadPolicyDocument } from '../../../src/gateway/index.js';
import { compareWithExpectations, corpusDir, listFiles } from '../corpus.js';

const CORPUS = corpusDir('apim-policies');
const EXPECTATIONS = fileURLToPath(new URL('./corpus-expectations.json', import.meta.url));

type Result = { loose: string; strict: string };


function attempt(text: string, file: string, loose: boolean): string {
  try {
    loadPolicyDocument(text, { loose, file });
    return 'ok';
  } catch (e) {
    if (isTwinError(e)) return e.code;
    return `crash: ${(e as Error).message}`;
  }
}

describe('conformance over the APIM policy corpus', () => {
  it('loads every corpus file no worse than recorded (behaviour 4)', () => {
    const list = listFiles(CORPUS, (n) => n.endsWith('.xml'));
    expect(list.length).toBeGreaterThan(0);
    const actual: Record<string, Result> = {};
    for (const f of list) {
      const text = readFileSync(f, 'utf8');
      const rel = relative(CORPUS, f);
      actual[rel] = { loose: attempt(text, rel, true), strict: attempt(text, rel, false) };
    }
    for (const [f, r] of Object.entries(actual)) {
      expect(r.loose.startsWith('crash'), `${f} crashed the loader: ${r.loose}`).toBe(false);
      expect(r.strict.startsWith('crash'), `${f} crashed the loader: ${r.strict}`).toBe(false);
    }
    const regressions = compareWithExpectations(EXPECTATIONS, actual);
    expect(regressions).toEqual([]);
  });
});

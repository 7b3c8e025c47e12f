import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTwinError } from '../../src/core/index.js';
import { loadPolicyDocument } from '../../src/gateway/index.js';

const CORPUS = '/work/shared/corpus/apim-policies';
const EXPECTATIONS = fileURLToPath(new URL('./corpus-expectations.json', import.meta.url));

type Result = { loose: string; strict: string };

function files(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n.endsWith('.xml') ? [p] : [];
  });
}

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
  it('loads every corpus file no worse than recorded', () => {
    const list = files(CORPUS);
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
    if (!existsSync(EXPECTATIONS)) {
      writeFileSync(EXPECTATIONS, JSON.stringify(actual, null, 2) + '\n');
      return;
    }
    const expected = JSON.parse(readFileSync(EXPECTATIONS, 'utf8')) as Record<string, Result>;
    const regressions: string[] = [];
    for (const [f, exp] of Object.entries(expected)) {
      const got = actual[f];
      if (!got) { regressions.push(`${f}: missing from the corpus run`); continue; }
      for (const mode of ['loose', 'strict'] as const) {
        if (exp[mode] === 'ok' && got[mode] !== 'ok') regressions.push(`${f} (${mode}): was ok, now ${got[mode]}`);
        else if (exp[mode] !== 'ok' && got[mode] !== 'ok' && got[mode] !== exp[mode]) regressions.push(`${f} (${mode}): was ${exp[mode]}, now ${got[mode]}`);
      }
    }
    expect(regressions).toEqual([]);
  });
});

/**
 * Conformance over the ARM template corpus (the corpus's arm-templates collection): every template is read
 * (JSONC), every template-language expression in it parsed, and the functions it calls looked up in
 * the engine's library. Per-file results are recorded in corpus-expectations.json; any change fails
 * (a regression, or an improvement to record with UPDATE_EXPECTATIONS=1).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTwinError } from '../../../src/core/index.js';
import { parseJsonDocument } from '../../../src/arm/template/jsonc.js';
import { lookupFunction, parseTemplateString, type ExprNode } from '../../../src/arm/expressions/index.js';
import { compareWithExpectations, corpusDir, listFiles } from '../corpus.js';

const CORPUS = corpusDir('arm-templates');
const EXPECTATIONS = fileURLToPath(new URL('./corpus-expectations.json', import.meta.url));

function calls(node: ExprNode, out: Set<string>): void {
  if (node.kind === 'call') {
    out.add(node.name);
    for (const a of node.args) calls(a, out);
  } else if (node.kind === 'member') calls(node.object, out);
  else if (node.kind === 'index') {
    calls(node.object, out);
    calls(node.index, out);
  }
}

function visitStrings(v: unknown, f: (s: string) => void): void {
  if (typeof v === 'string') f(v);
  else if (Array.isArray(v)) for (const x of v) visitStrings(x, f);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
    f(k);
    visitStrings(x, f);
  }
}

/** `ok`, `unsupported: <what>` or the error code that stopped reading the file. */
function assess(text: string, file: string): string {
  let value: unknown;
  try {
    value = parseJsonDocument(text, file).value;
  } catch (e) {
    return isTwinError(e) ? e.code : `crash: ${(e as Error).message}`;
  }
  const unsupported = new Set<string>();
  const names = new Set<string>();
  try {
    visitStrings(value, (s) => {
      const t = parseTemplateString(s);
      if (t.kind === 'expression') calls(t.ast, names);
    });
  } catch (e) {
    return isTwinError(e) ? e.code : `crash: ${(e as Error).message}`;
  }
  // languageVersion 2.0 and user-defined functions (`ns.member`) are supported; whether a template really
  // evaluates is expand.conformance.ts's question.
  for (const n of names) if (!n.includes('.') && !lookupFunction(n)) unsupported.add(n.toLowerCase());
  return unsupported.size === 0 ? 'ok' : `unsupported: ${[...unsupported].sort().join(', ')}`;
}

describe('conformance over the ARM template corpus', () => {
  it('reads every template and supports its functions no worse than recorded', () => {
    const list = listFiles(CORPUS, (n) => n.endsWith('.json') && !/parameters/i.test(n));
    expect(list.length).toBeGreaterThan(1000);
    const actual: Record<string, string> = {};
    for (const f of list) actual[relative(CORPUS, f)] = assess(readFileSync(f, 'utf8'), relative(CORPUS, f));
    const crashes = Object.entries(actual).filter(([, r]) => r.startsWith('crash'));
    expect(crashes).toEqual([]);
    expect(compareWithExpectations(EXPECTATIONS, actual)).toEqual([]);
  }, 120_000);
});

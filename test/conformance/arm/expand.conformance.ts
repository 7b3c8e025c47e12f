/**
 * ARM expansion conformance over the template corpus (`npm run conformance`): every quickstart, AVM module and
 * Bicep sample template is expanded as `trustline expand --fill-placeholders --fill-missing` does; per template
 * the result is "expands" or "known gap: <why>", recorded in expand-expectations.json. Any change fails the run:
 * an improvement is recorded with UPDATE_EXPECTATIONS=1; a regression (a template that expanded and no longer
 * does) can only be recorded with its reason in expand-regressions.json. Goals: ≥ 95 % of the quickstarts and
 * ≥ 90 % of the AVM modules expand fully.
 *
 * Equivalence: each Bicep sample compiled both ways (main.json and main.symbolicnames.json) expands to the same
 * resources and outputs (as `expand --json --fill-missing --loose`), recorded in the same file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandTemplate, stringifyArmJson } from '../../../src/arm/index.js';
import { corpusDir } from '../corpus.js';
import { CORPUS_SCOPE, expandOne, groupOf, templateFiles } from './expand-corpus.mjs';

const CORPUS = corpusDir('arm-templates');
const HERE = dirname(fileURLToPath(import.meta.url));
const EXPECTATIONS = join(HERE, 'expand-expectations.json');
const REGRESSIONS = join(HERE, 'expand-regressions.json');
// Why each quickstart / AVM template that does not expand, and each Bicep pair that is not equivalent, is not:
// { file: { kind, reason } }. The kinds the twin cannot
// change: the corpus lacks a linked template, the template is broken upstream (the reason says what is wrong, with
// lines), it reads what a script printed when Azure ran it, or state outside the template the twin cannot know
// ('parameter values': the template needs values --fill-missing cannot choose, or another region).
const GAP_REASONS = join(HERE, 'expand-gap-reasons.json');
const BEYOND_THE_TWIN = new Set(['linked template absent', 'upstream', 'script output', 'outside state']);
const GOALS: Record<string, number> = { quickstart: 0.95, avm: 0.9 };

type Results = Record<string, string>;

function readJson(file: string): Record<string, string> {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

/** Differences between the recorded results and these; regressions need a recorded reason. */
function compare(actual: Results): { problems: string[]; regressions: string[] } {
  const expected = readJson(EXPECTATIONS);
  const reasons = readJson(REGRESSIONS);
  const problems: string[] = [];
  const regressions: string[] = [];
  for (const [f, now] of Object.entries(actual)) {
    const before = expected[f];
    if (before === undefined) problems.push(`${f}: not recorded yet (${now})`);
    else if (before !== now) {
      const regressed = (before === 'expands' || before === 'equivalent') && now !== before;
      if (regressed && !reasons[f]) regressions.push(`${f}: ${before} → ${now} (a regression: record its reason in expand-regressions.json)`);
      else problems.push(`${f}: recorded ${before}, now ${now}`);
    }
  }
  for (const f of Object.keys(expected)) if (!(f in actual)) problems.push(`${f}: recorded but no longer in the corpus`);
  return { problems, regressions };
}

/** The comparable part of an expansion: resources by id (without the deployment name) and outputs. */
function comparable(file: string): string {
  const r = expandTemplate({ templateFile: file, fillMissing: true, loose: true, scope: CORPUS_SCOPE, deploymentName: 'main' });
  const resources = r.resources.map(({ deployment: _d, ...rest }) => rest).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return stringifyArmJson({ resources, outputs: r.outputs });
}

function equivalence(main: string): string {
  const symbolic = join(dirname(main), 'main.symbolicnames.json');
  try {
    const a = comparable(main);
    const b = comparable(symbolic);
    if (a === b) return 'equivalent';
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return `known gap: differs near '${a.slice(Math.max(0, i - 60), i + 60).replace(/\s+/g, ' ')}'`;
  } catch (e) {
    return `known gap: ${(e as { code?: string }).code ?? 'error'}: ${String((e as Error).message).split(CORPUS).join('<corpus>').slice(0, 200)}`;
  }
}

/** JSON text with object keys sorted (ARM does not keep property order). */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return stringifyArmJson(v);
}

interface GoldenCase {
  sample: string | null;
  now?: string;
  values?: Record<string, unknown>;
  expected: Record<string, unknown>;
}

describe('Learn function samples of the corpus', () => {
  it('give the outputs Microsoft publishes for them (test/arm/golden/learn-function-samples.json)', () => {
    const golden = JSON.parse(readFileSync(join(HERE, '..', '..', 'arm', 'golden', 'learn-function-samples.json'), 'utf8')) as { cases: GoldenCase[] };
    const problems: string[] = [];
    let checked = 0;
    for (const c of golden.cases) {
      if (!c.sample) continue;
      const file = join(CORPUS, '_anchors', 'docs-json-samples', 'azure-resource-manager', 'functions', c.sample);
      if (!existsSync(file)) continue;
      try {
        const r = expandTemplate({ templateFile: file, scope: CORPUS_SCOPE, ...(c.values ? { parameterValues: c.values } : {}), ...(c.now ? { now: Date.parse(c.now) } : {}) });
        for (const [name, expected] of Object.entries(c.expected)) {
          if (sortedJson(r.outputs[name]) !== sortedJson(expected)) problems.push(`${c.sample} ${name}: expected ${stringifyArmJson(expected)}, got ${stringifyArmJson(r.outputs[name])}`);
        }
        checked++;
      } catch (e) {
        problems.push(`${c.sample}: ${(e as Error).message}`);
      }
    }
    process.stdout.write(`Learn function samples: ${checked} corpus samples checked\n`);
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });
});

describe('ARM expansion conformance', () => {
  it('expands the corpus no worse than recorded; Bicep samples are equivalent in both compilations', () => {
    const actual: Results = {};
    const counts: Record<string, { n: number; ok: number }> = {};
    for (const file of templateFiles(CORPUS)) {
      const rel = relative(CORPUS, file);
      const group = groupOf(rel) as string;
      const { result } = expandOne(expandTemplate, CORPUS, file);
      actual[rel] = result;
      counts[group] ??= { n: 0, ok: 0 };
      counts[group].n++;
      if (result === 'expands') counts[group].ok++;
      if (group === 'bicep' && rel.endsWith('main.json') && existsSync(join(dirname(file), 'main.symbolicnames.json'))) {
        actual[`${rel} ≡ main.symbolicnames.json`] = equivalence(file);
      }
    }
    const pairs = Object.entries(actual).filter(([k]) => k.includes(' ≡ '));
    // Every quickstart / AVM gap has a recorded reason, and no reason outlives its gap. The kinds beyond the twin
    // are shown apart (and give the honest ceiling), never taken out of the goal's figure.
    const reasons = JSON.parse(readFileSync(GAP_REASONS, 'utf8')) as Record<string, { kind: string; reason: string }>;
    const reasonProblems: string[] = [];
    for (const [f, v] of Object.entries(actual)) {
      // Quickstart and AVM templates, and the Bicep pairs (`… ≡ main.symbolicnames.json`).
      if (!f.includes(' ≡ ') && !GOALS[groupOf(f)]) continue;
      const ok = v === 'expands' || v === 'equivalent';
      if (!ok && !reasons[f]) reasonProblems.push(`${f}: a known gap without a reason in expand-gap-reasons.json (${v})`);
      if (ok && reasons[f]) reasonProblems.push(`${f}: ${v} now: remove its entry from expand-gap-reasons.json`);
    }
    for (const f of Object.keys(reasons)) if (!(f in actual)) reasonProblems.push(`${f}: in expand-gap-reasons.json but not in the corpus`);
    const kinds = (g: string) => {
      const byKind: Record<string, number> = {};
      for (const [f, v] of Object.entries(actual)) if (!f.includes(' ≡ ') && groupOf(f) === g && v !== 'expands' && reasons[f]) byKind[reasons[f]!.kind] = (byKind[reasons[f]!.kind] ?? 0) + 1;
      return byKind;
    };
    const summary = [
      ...Object.entries(counts).map(([g, c]) => {
        const byKind = kinds(g);
        const beyond = Object.entries(byKind).filter(([k]) => BEYOND_THE_TWIN.has(k)).reduce((n, [, x]) => n + x, 0);
        const apart =
          Object.keys(byKind).length > 0
            ? `; gaps: ${Object.entries(byKind).sort((a, b) => b[1] - a[1]).map(([k, x]) => `${x} ${k}`).join(', ')}; ceiling with this corpus ${c.n - beyond}/${c.n} (${((100 * (c.n - beyond)) / c.n).toFixed(1)} %)`
            : '';
        return `${g}: ${c.ok}/${c.n} expand (${((100 * c.ok) / c.n).toFixed(1)} %)${GOALS[g] ? `, goal ${GOALS[g]! * 100} %: ${c.ok / c.n >= GOALS[g]! ? 'met' : 'NOT met'}` : ''}${apart}`;
      }),
      `bicep equivalence: ${pairs.filter(([, v]) => v === 'equivalent').length}/${pairs.length} equivalent${(() => {
        const byKind: Record<string, number> = {};
        for (const [f, v] of pairs) if (v !== 'equivalent' && reasons[f]) byKind[reasons[f]!.kind] = (byKind[reasons[f]!.kind] ?? 0) + 1;
        return Object.keys(byKind).length > 0 ? `; the others: ${Object.entries(byKind).sort((a, b) => b[1] - a[1]).map(([k, x]) => `${x} ${k}`).join(', ')}` : '';
      })()}`,
    ];
    process.stdout.write(`ARM expansion conformance\n  ${summary.join('\n  ')}\n`);
    if (process.env['UPDATE_EXPECTATIONS'] === '1') {
      const { regressions } = compare(actual);
      expect(regressions).toEqual([]);
      writeFileSync(EXPECTATIONS, JSON.stringify(actual, null, 2) + '\n');
      return;
    }
    const { problems, regressions } = compare(actual);
    expect(regressions).toEqual([]);
    expect(problems).toEqual([]);
    expect(reasonProblems).toEqual([]);
  }, 900_000);
});

/**
 * Fuzzing harness for the ARM template language and the template loader (issue 8). The same code runs
 * bounded inside `npm test` (test/fuzz/arm.test.ts) and long (`npm run fuzz:arm`, ≥ 1 M inputs per
 * target, recorded in bench/RESULTS.md). A failure is any error that is not a coded TwinError, the code
 * ERR_ARM_INTERNAL (a twin bug reported with a location), or one input computing for more than a second of CPU time (a hang; fails the long run).
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { isTwinError, ManualClock, sequentialIds, silentLogger } from '../../src/core/index.js';
import { deploy } from '../../src/arm/index.js';
import { evaluateTemplateString, functionNames } from '../../src/arm/expressions/index.js';
import type { EvalContext } from '../../src/arm/expressions/index.js';
import { parseJsonDocument } from '../../src/arm/template/jsonc.js';
import { openStore } from '../../src/state/index.js';

export interface FuzzReport {
  target: string;
  inputs: number;
  nonCoded: number;
  internal: number;
  hangs: number;
  /** Slowest input in wall time and in CPU time (ms). */
  slowestMs: number;
  slowestCpuMs: number;
  durationMs: number;
  /** The first failing inputs with what went wrong (uncoded or internal errors). */
  failures: Array<{ input: string; problem: string }>;
  /** The first inputs above 1 s of CPU time (hangs; the long run fails on them). */
  slow: Array<{ input: string; ms: number }>;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Values that reach the interesting corners: boundaries of ints, sizes, encodings. */
const ints = fc.oneof(
  fc.integer({ min: -20, max: 20 }),
  fc.constantFrom(0, -1, 10000, 10001, 2147483647, -2147483648, 9007199254740991, 800, 1000000, 200000000),
  fc.integer(),
);
const strings = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', ',', 'a', '{0}', '{0:N99}', '{0,-5}', '{{', '}', '%', '%E0%A4', '%zz', 'b25l', '===', 'null', '[1,[2]]', '{"a":1}', 'http://a/b/', '10.0.0.0/16', 'P1D', '2020-01-01T00:00:00Z', '*', '/', 'Microsoft.Web/sites'),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

/** Expressions by the grammar of docs/behaviour/arm.md §2.1: calls (known and unknown names), literals, `.x` and `[i]`. */
export function expressionArbitrary(): fc.Arbitrary<string> {
  const names = [...functionNames(), 'listKeys', 'unknownFn', 'ns.udf'];
  const { expr } = fc.letrec<{ expr: string; call: string; access: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      strings.map(quote),
      ints.map(String),
      tie('call'),
      tie('access'),
    ),
    call: fc
      .tuple(fc.constantFrom(...names), fc.array(tie('expr'), { maxLength: 4 }))
      .map(([n, args]) => `${n}(${args.join(', ')})`),
    access: fc.oneof(
      fc.tuple(tie('expr'), fc.constantFrom('a', 'length', 'properties', 'id', 'x')).map(([e, p]) => `${e}.${p}`),
      fc.tuple(tie('expr'), tie('expr')).map(([e, i]) => `${e}[${i}]`),
    ),
  }));
  return fc.oneof(
    { weight: 6, arbitrary: expr.map((e) => `[${e}]`) },
    // Raw text between brackets: the tokenizer's and parser's edge cases.
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map((s) => `[${s}]`) },
    // A valid expression with a few characters cut or inserted.
    {
      weight: 2,
      arbitrary: fc.tuple(expr, fc.nat(), fc.constantFrom('', "'", '(', ')', '[', ']', ',', '.', ' ', '-', '9')).map(([e, at, ins]) => {
        const i = at % (e.length + 1);
        return `[${e.slice(0, i)}${ins}${e.slice(i + 1)}]`;
      }),
    },
  );
}

/** Template texts: JSON-ish documents with comments, trailing commas, control characters and cuts. */
export function templateTextArbitrary(): fc.Arbitrary<string> {
  const resource = fc.record(
    {
      type: fc.constantFrom('Microsoft.Web/sites', 'Microsoft.Web/sites/config', 'Microsoft.Storage/storageAccounts', 'Microsoft.ManagedIdentity/userAssignedIdentities', 'My.Rp/things', 'bad'),
      apiVersion: fc.constant('2022-09-01'),
      name: fc.oneof(strings, expressionArbitrary()),
      location: fc.oneof(fc.constant('westeurope'), expressionArbitrary()),
      condition: fc.oneof(fc.boolean(), expressionArbitrary()),
      dependsOn: fc.array(fc.oneof(strings, expressionArbitrary()), { maxLength: 2 }),
      copy: fc.record({ name: strings, count: fc.oneof(ints, expressionArbitrary()) }),
      properties: fc.dictionary(strings, fc.oneof(strings, ints, expressionArbitrary()), { maxKeys: 3 }),
    },
    { requiredKeys: ['type', 'name'] },
  );
  const nested = fc.record({
    type: fc.constant('Microsoft.Resources/deployments'),
    apiVersion: fc.constant('2022-09-01'),
    name: fc.oneof(strings, expressionArbitrary()),
    resourceGroup: fc.oneof(fc.constant(undefined), strings),
    properties: fc.record({
      mode: fc.constant('Incremental'),
      expressionEvaluationOptions: fc.record({ scope: fc.constantFrom('inner', 'outer', 'Inner', 'bogus') }),
      parameters: fc.dictionary(strings, fc.record({ value: fc.oneof(strings, ints, expressionArbitrary()) }), { maxKeys: 2 }),
      template: fc.oneof(
        fc.record({ parameters: fc.dictionary(strings, fc.record({ type: fc.constantFrom('string', 'int', 'object') }), { maxKeys: 2 }), resources: fc.array(resource, { maxLength: 2 }), outputs: fc.dictionary(strings, fc.record({ type: fc.constant('string'), value: expressionArbitrary() }), { maxKeys: 1 }) }),
        expressionArbitrary(),
      ),
    }),
  });
  const template = fc.record(
    {
      $schema: fc.constant('https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#'),
      parameters: fc.dictionary(strings, fc.record({ type: fc.constantFrom('string', 'int', 'bool', 'array', 'object', 'securestring', 'weird'), defaultValue: fc.oneof(strings, ints, expressionArbitrary()) }, { requiredKeys: ['type'] }), { maxKeys: 2 }),
      variables: fc.dictionary(strings, fc.oneof(strings, ints, expressionArbitrary(), fc.constant([{ name: 'v', count: 2, input: '[copyIndex()]' }])), { maxKeys: 3 }),
      languageVersion: fc.constantFrom('1.0', '2.0'),
      functions: fc.constant([{ namespace: 'ns', members: { f: { parameters: [{ name: 'p', type: 'string' }], output: { type: 'string', value: "[concat(parameters('p'), 'x')]" } } } }]),
      definitions: fc.constant({ t: { type: 'object', properties: { a: { type: 'int', minValue: 1 } }, sealed: true } }),
      resources: fc.oneof(fc.array(fc.oneof(resource, nested), { maxLength: 3 }), fc.dictionary(strings, fc.oneof(resource, nested), { maxKeys: 2 })),
      outputs: fc.dictionary(strings, fc.record({ type: fc.constantFrom('string', 'int', 'array', 'object', 'bool'), value: fc.oneof(strings, ints, expressionArbitrary()) }), { maxKeys: 2 }),
    },
    { requiredKeys: ['resources'] },
  );
  const text = template.map((t) => JSON.stringify(t, null, 1));
  return fc.oneof(
    { weight: 5, arbitrary: text },
    {
      weight: 3,
      arbitrary: fc.tuple(text, fc.nat(), fc.constantFrom('', '//x\n', '/*', '*/', ',', '\n', '\t', '\u0001', '"', '{', '}', '[', ']', '\\', '\ufeff')).map(([t, at, ins]) => {
        const i = at % (t.length + 1);
        return t.slice(0, i) + ins + t.slice(i);
      }),
    },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  );
}

const CTX_PARAMS: Record<string, unknown> = { siteName: 'app', count: 3, obj: { a: 'b', Nested: { x: [1, 2] } }, arr: [1, 'two', { three: 3 }] };

function fuzzContext(): EvalContext {
  const lookup = (map: Record<string, unknown>, kind: string, n: string) => {
    const k = Object.keys(map).find((x) => x.toLowerCase() === n.toLowerCase());
    if (k === undefined) throw Object.assign(new Error(`no ${kind} ${n}`), { name: 'TwinError', code: 'ERR_ARM_EXPRESSION_EVAL' });
    return structuredClone(map[k]);
  };
  return {
    scope: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', location: 'westeurope', tenantId: '00000000-0000-0000-0000-000000000002' },
    loose: false,
    parameter: (n) => lookup(CTX_PARAMS, 'parameter', n),
    variable: (n) => lookup({ planName: 'plan-1' }, 'variable', n),
    reference: (target) => ({ target, properties: { a: 1 } }),
    list: (action, target) => ({ action, target }),
    copyIndex: () => 1,
    deployment: () => ({ name: 'dep', properties: { mode: 'Incremental', template: { contentVersion: '1.0.0.0' } } }),
    warn: () => undefined,
  };
}

/** One input: undefined when it behaved (a value or a coded error), else the problem. */
function check(run: () => unknown): { problem?: string; ms: number; cpuMs: number } {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let problem: string | undefined;
  try {
    run();
  } catch (e) {
    if (!isTwinError(e)) problem = `uncoded ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    else if (e.code === 'ERR_ARM_INTERNAL') problem = `internal: ${e.message}`;
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ...(problem ? { problem } : {}), ms, cpuMs: (used.user + used.system) / 1000 };
}

function runTarget(target: string, arb: fc.Arbitrary<string>, inputs: number, seed: number, one: (input: string) => unknown): FuzzReport {
  const report: FuzzReport = { target, inputs: 0, nonCoded: 0, internal: 0, hangs: 0, slowestMs: 0, slowestCpuMs: 0, durationMs: 0, failures: [], slow: [] };
  const start = performance.now();
  const batch = 1000;
  // A long run writes its partial report every 50 batches (TRUSTLINE_FUZZ_PROGRESS), so that a run cut short says what ran.
  const progress = process.env['TRUSTLINE_FUZZ_PROGRESS'];
  for (let done = 0, round = 0; done < inputs; done += batch, round++) {
    if (progress && round % 50 === 0) writeFileSync(progress, JSON.stringify({ ...report, durationMs: Math.round(performance.now() - start), at: new Date().toISOString() }, null, 2) + '\n');
    for (const input of fc.sample(arb, { numRuns: Math.min(batch, inputs - done), seed: seed + round })) {
      const { problem, ms, cpuMs } = check(() => one(input));
      report.inputs++;
      report.slowestMs = Math.max(report.slowestMs, ms);
      report.slowestCpuMs = Math.max(report.slowestCpuMs, cpuMs);
      // A hang is an input that computes for more than 1 s (CPU time: on a shared machine wall time also
      // counts the time other processes had the cores; both are reported).
      const hang = cpuMs > 1000;
      if (hang) report.hangs++;
      if (problem?.startsWith('uncoded')) report.nonCoded++;
      if (problem?.startsWith('internal')) report.internal++;
      if (problem && report.failures.length < 20) report.failures.push({ input: input.slice(0, 500), problem });
      if (hang && report.slow.length < 20) report.slow.push({ input: input.slice(0, 500), ms: Math.round(ms) });
    }
  }
  report.durationMs = Math.round(performance.now() - start);
  report.slowestMs = Math.round(report.slowestMs);
  report.slowestCpuMs = Math.round(report.slowestCpuMs);
  return report;
}

export function fuzzExpressions(inputs: number, seed: number): FuzzReport {
  const ctx = fuzzContext();
  return runTarget('ARM expressions', expressionArbitrary(), inputs, seed, (s) => evaluateTemplateString(s, ctx));
}

export function fuzzTemplates(inputs: number, seed: number): FuzzReport {
  const scope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', location: 'westeurope', tenantId: '00000000-0000-0000-0000-000000000002' };
  let store = openStore({ inMemory: true });
  let n = 0;
  return runTarget('ARM template loader + deployment', templateTextArbitrary(), inputs, seed, (text) => {
    if (++n % 500 === 0) {
      store.close();
      store = openStore({ inMemory: true });
    }
    parseJsonDocument(text, 'fuzz.json');
    deploy({ deploymentName: 'fuzz', template: { text, file: 'fuzz.json' } }, { store, scope, clock: new ManualClock(), ids: sequentialIds(), logger: silentLogger, loose: n % 2 === 0 });
  });
}

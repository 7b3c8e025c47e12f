/**
 * Golden tests: the examples of Microsoft Learn's template-function pages (test/arm/golden/learn-function-samples.json,
 * provenance there) deployed by the twin, with the outputs Microsoft publishes for them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { deploy } from '../../src/arm/index.js';
import { setup } from './helpers/seed.js';

export interface GoldenCase {
  sample: string | null;
  learn: string;
  now?: string;
  parameters?: Record<string, unknown>;
  values?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  outputs: Record<string, string>;
  expected: Record<string, unknown>;
}

const file = new URL('./golden/learn-function-samples.json', import.meta.url);
const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: GoldenCase[] };

const typeOf = (v: unknown) => (typeof v === 'string' ? 'string' : typeof v === 'number' ? 'int' : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? 'array' : 'object');

describe('Learn template-function examples', () => {
  it('has a case for every documentation sample of a function the twin evaluates', () => {
    expect(cases.length).toBeGreaterThan(50);
  });
  for (const c of cases) {
    it(`${c.learn}${c.sample ? ` (${c.sample})` : ''}`, () => {
      const { options } = setup(c.now ? { clock: new ManualClock(Date.parse(c.now)) } : {});
      const outputs = Object.fromEntries(Object.entries(c.outputs).map(([k, value]) => [k, { type: typeOf(c.expected[k]), value }]));
      const template = { parameters: c.parameters ?? {}, variables: c.variables ?? {}, resources: [], outputs };
      const parameters = Object.fromEntries(Object.entries(c.values ?? {}).map(([k, value]) => [k, { value }]));
      const r = deploy({ deploymentName: 'golden', template, parameters }, options);
      const actual = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));
      expect(actual).toEqual(c.expected);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { isTwinError } from '../../src/core/index.js';
import { compileExpression } from '../../src/gateway/index.js';
import { buildContext, loadFixture, withNamedValues, type FixtureContext } from './corpus-expressions.js';

/**
 * Issue 6 acceptance over the expressions of Microsoft's policy snippets (a repository fixture; `npm run conformance`
 * keeps it in sync with the corpus): every expression that is valid C# parses and compiles; each evaluates against a
 * realistic context of its file, except those the fixture lists with the exact error and the reason.
 */
const fixture = loadFixture();

function contextFor(file: string, extra: FixtureContext | undefined): FixtureContext {
  const base = fixture.contexts[file] ?? {};
  return { ...base, ...extra, variables: { ...base.variables, ...extra?.variables } };
}

type Outcome = { ok: true } | { ok: false; code: string; message: string };
function run(source: string, ctx: FixtureContext): Outcome {
  try {
    compileExpression(withNamedValues(source, fixture.namedValues)).evaluate(buildContext(ctx));
    return { ok: true };
  } catch (e) {
    if (!isTwinError(e)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

describe('the corpus expressions (fixture)', () => {
  const results = fixture.expressions.map((e) => ({ e, r: run(e.source, contextFor(e.file, e.context)) }));

  it.each(results.map(({ e, r }) => [`${e.file}:${e.line}`, e, r] as const))('%s', (_name, e, r) => {
    if (e.expect) {
      expect(r.ok ? 'evaluated' : r.code, e.expect.reason).toBe(e.expect.code);
    } else {
      expect(r, `${e.source.slice(0, 300)}`).toEqual({ ok: true });
    }
  });

  it('all valid C# parses, ≥ 95% of it evaluates; the invalid snippets are listed with their reason', () => {
    const syntax = results.filter(({ r }) => !r.ok && r.code === 'ERR_APIM_EXPRESSION_SYNTAX');
    expect(syntax.every(({ e }) => e.expect?.code === 'ERR_APIM_EXPRESSION_SYNTAX')).toBe(true);
    const valid = results.length - syntax.length;
    const evaluated = results.filter(({ r }) => r.ok).length;
    expect(results.length).toBeGreaterThan(150);
    expect(evaluated / valid).toBeGreaterThanOrEqual(0.95);
    // the honest figure over every expression, invalid snippets included (recorded in the report)
    expect(evaluated / results.length).toBeGreaterThanOrEqual(0.9);
  });
});

/**
 * `trustline lint` and the path the site sees: the backend path after `rewrite-uri` and `set-backend-service`'s
 * base-url, which Easy Auth's `globalValidation.excludedPaths` and the function routes match (docs/behaviour/easyauth.md §4.9).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_CLIENT_ID } from '../helpers/seed.js';
import { byType, lintJson, rules, setInbound, useVariants } from './helpers.js';

const variant = useVariants();
const MI = `    <authentication-managed-identity resource="${APP_CLIENT_ID}" />`;
const excludedPaths = (t: Parameters<Parameters<typeof variant>[0]>[0], paths: string[]) => {
  const gv = byType(t, 'Microsoft.Web/sites/config').properties.globalValidation as Record<string, unknown>;
  gv.excludedPaths = paths;
};
/** The 1-based line:column of `needle` in the template file. */
function at(dir: string, needle: string): { line: number; column: number } {
  const text = readFileSync(join(dir, 'azuredeploy.json'), 'utf8');
  const before = text.slice(0, text.indexOf(needle)).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe('trustline lint: the backend path (rewrite-uri, set-backend-service) against excludedPaths', () => {
  it('rewrite-uri into an excluded path: the site answers anyone there (TL006, pointing at the rewrite and at excludedPaths)', async () => {
    const dir = variant((t) => {
      setInbound(t, `${MI}\n    <rewrite-uri template="/public/hello" />`);
      excludedPaths(t, ['/api/public/*']);
    });
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['TL006 warning']);
    expect(findings[0]!.message).toContain("answers requests without a token (/api/public/hello: rewrite-uri '/public/hello')");
    expect(findings[0]!.message).toContain("path matches excludedPaths '/api/public/*'");
    expect(findings[0]!.message).toContain('Take /api/public/hello out of globalValidation.excludedPaths');
    expect(findings[0]!.locations[0]!.jsonPath).toBe('resources[2].properties.globalValidation.excludedPaths');
    expect(findings[0]!.locations[1]).toMatchObject({ jsonPath: 'resources[6].properties.value', ...at(dir, '<rewrite-uri') });
  });

  it("an excluded operation path that rewrite-uri moves away from is not what the site sees (no finding); without the rewrite it is", async () => {
    const moved = variant((t) => {
      setInbound(t, `${MI}\n    <rewrite-uri template="/v2/hello?source=apim" />`);
      excludedPaths(t, ['/api/hello']);
    });
    const r1 = await lintJson([moved], moved);
    expect(r1.findings).toEqual([]);
    expect(r1.code).toBe(0);
    const kept = variant((t) => {
      setInbound(t, MI);
      excludedPaths(t, ['/api/hello']);
    });
    const r2 = await lintJson([kept], kept);
    expect(rules(r2.findings)).toEqual(['TL006 warning']);
    expect(r2.findings[0]!.message).toContain("without a token (/api/hello) (forwarded-anonymous: ");
  });

  it('set-backend-service base-url with another base path is the path the site sees', async () => {
    const dir = variant((t) => {
      setInbound(t, `${MI}\n    <set-backend-service base-url="https://trustline-func.azurewebsites.net/internal" />`);
      excludedPaths(t, ['/internal/*']);
    });
    const { findings } = await lintJson([dir], dir);
    expect(rules(findings)).toEqual(['TL006 warning']);
    expect(findings[0]!.message).toContain("without a token (/internal/hello) ");
  });

  it('a rewrite-uri template built by an expression: checked with the operation path, and a note says so', async () => {
    const dir = variant((t) => setInbound(t, `${MI}\n    <rewrite-uri template="@(&quot;/&quot; + context.Request.Headers.GetValueOrDefault(&quot;x-route&quot;, &quot;hello&quot;))" />`));
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['TL010 note']);
    expect(findings[0]!.message).toContain("rewrite-uri builds the backend path through a policy expression; the site is checked with the operation's own path (/hello)");
  });
});

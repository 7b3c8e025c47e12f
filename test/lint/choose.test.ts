/**
 * `trustline lint` and `<choose>`: a token attached in a `<when>` branch is attached only on that branch. Conditions the
 * deployment decides (constants, named values, context.Api/Operation) are evaluated by the gateway's own evaluator;
 * any other condition is checked both ways, and a finding only some branches have says which.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_CLIENT_ID } from '../helpers/seed.js';
import { byType, lintJson, rules, seedVariant, setInbound, useVariants } from './helpers.js';

const variant = useVariants();

const MI = (resource = APP_CLIENT_ID) => `<authentication-managed-identity resource="${resource}" />`;
/** The 1-based line:column of the n-th (0-based) `<when` in the template file. */
function whenAt(dir: string, n = 0): string {
  const text = readFileSync(join(dir, 'azuredeploy.json'), 'utf8');
  let at = -1;
  for (let i = 0; i <= n; i++) at = text.indexOf('<when', at + 1);
  const before = text.slice(0, at).split('\n');
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

const svc = "parameters('apimServiceName')";
function namedValue(t: Parameters<Parameters<typeof seedVariant>[0]>[0], name: string, value: string): void {
  t.resources.push({
    type: 'Microsoft.ApiManagement/service/namedValues', apiVersion: '2022-08-01', name: `[concat(${svc}, '/${name}')]`,
    dependsOn: [`[resourceId('Microsoft.ApiManagement/service', ${svc})]`], properties: { displayName: name, value },
  });
  (byType(t, 'Microsoft.ApiManagement/service/apis/policies').dependsOn as string[]).push(`[resourceId('Microsoft.ApiManagement/service/namedValues', ${svc}, '${name}')]`);
}

describe('trustline lint: <choose>', () => {
  it('a token attached only when a request header says so: TL002 on the other branch, naming the condition', async () => {
    const dir = variant((t) => setInbound(t, [
      '    <choose>',
      '      <when condition="@(context.Request.Headers.GetValueOrDefault(&quot;x-partner&quot;, &quot;&quot;) == &quot;contoso&quot;)">',
      `        ${MI()}`,
      '      </when>',
      '    </choose>',
    ].join('\n')));
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL002 error']);
    const at = whenAt(dir);
    expect(findings[0]!.message).toMatch(new RegExp(`^When the condition at ${at} is false: API 'functions' of APIM 'trustline-apim': site 'trustline-func' answers 401 to APIM's request, which carries no token`));
    // The finding points at the policy and at the condition.
    expect(findings[0]!.locations.map((l) => `${l.line}:${l.column}`)).toContain(at);
  });

  it('when/otherwise with a different resource each: only the branch Easy Auth refuses is a finding', async () => {
    const dir = variant((t) => setInbound(t, [
      '    <choose>',
      '      <when condition="@(context.Request.Method == &quot;POST&quot; || context.Request.Headers.ContainsKey(&quot;x-batch&quot;))">',
      `        ${MI()}`,
      '      </when>',
      '      <otherwise>',
      `        ${MI(`api://${APP_CLIENT_ID}`)}`,
      '      </otherwise>',
      '    </choose>',
    ].join('\n')));
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL001 error']);
    expect(findings[0]!.message).toMatch(new RegExp(`^When the condition at ${whenAt(dir)} is false: .*token for resource 'api://${APP_CLIENT_ID}' \\(audience: `));
  });

  it('the operation\'s own method decides context.Request.Method: the GET operation takes the branch with the token', async () => {
    const dir = variant((t) => setInbound(t, [
      '    <choose>',
      '      <when condition="@(context.Request.Method == &quot;GET&quot;)">',
      `        ${MI()}`,
      '      </when>',
      '    </choose>',
    ].join('\n')));
    const { code, findings } = await lintJson([dir], dir);
    expect(findings).toEqual([]);
    expect(code).toBe(0);
  });

  it('a condition from a named value is decided as the gateway decides it: "false" never attaches the token (plain TL002)', async () => {
    const on = variant((t) => {
      setInbound(t, `    <choose>\n      <when condition="{{use-managed-identity}}">\n        ${MI()}\n      </when>\n    </choose>`);
      namedValue(t, 'use-managed-identity', 'true');
    });
    expect((await lintJson([on], on)).findings).toEqual([]);
    const off = variant((t) => {
      setInbound(t, `    <choose>\n      <when condition="{{use-managed-identity}}">\n        ${MI()}\n      </when>\n    </choose>`);
      namedValue(t, 'use-managed-identity', 'false');
    });
    const { code, findings } = await lintJson([off], off);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL002 error']);
    expect(findings[0]!.message).toMatch(/^API 'functions'/);
  });

  it('context.Api and a named value inside an expression are known from the deployment', async () => {
    const dir = variant((t) => {
      setInbound(t, [
        '    <choose>',
        '      <when condition="@(context.Api.Id == &quot;functions&quot; &amp;&amp; &quot;{{stage}}&quot; != &quot;dev&quot;)">',
        `        ${MI()}`,
        '      </when>',
        '      <otherwise>',
        '        <set-header name="x-debug" exists-action="override"><value>1</value></set-header>',
        '      </otherwise>',
        '    </choose>',
      ].join('\n'));
      namedValue(t, 'stage', 'prod');
    });
    const { code, findings } = await lintJson([dir], dir);
    expect(findings).toEqual([]);
    expect(code).toBe(0);
  });

  it('a branch that answers itself (return-response) never reaches the site: only the other paths are checked', async () => {
    const dir = variant((t) => setInbound(t, [
      '    <choose>',
      '      <when condition="@(!context.Request.Headers.ContainsKey(&quot;x-tenant&quot;))">',
      '        <return-response><set-status code="400" reason="Bad Request" /></return-response>',
      '      </when>',
      '    </choose>',
      '    <choose>',
      '      <when condition="@(context.Request.Headers.GetValueOrDefault(&quot;x-tenant&quot;, &quot;&quot;) == &quot;legacy&quot;)">',
      '        <set-header name="x-legacy" exists-action="override"><value>1</value></set-header>',
      '      </when>',
      '      <otherwise>',
      `        ${MI()}`,
      '      </otherwise>',
      '    </choose>',
    ].join('\n')));
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL002 error']);
    // The first condition is false on every path that reaches the site; the second decides the finding.
    expect(findings[0]!.message).toMatch(new RegExp(`^When the condition at ${whenAt(dir, 0)} is false and the condition at ${whenAt(dir, 1)} is true: `));
  });

  it('a fragment included inside a branch is read as the gateway compiles it (its token only on that branch)', async () => {
    const dir = variant((t) => {
      setInbound(t, [
        '    <choose>',
        '      <when condition="@(context.Request.Headers.ContainsKey(&quot;x-signed&quot;))">',
        '        <include-fragment fragment-id="func-token" />',
        '      </when>',
        '    </choose>',
      ].join('\n'));
      t.resources.push({
        type: 'Microsoft.ApiManagement/service/policyFragments', apiVersion: '2023-05-01-preview', name: `[concat(${svc}, '/func-token')]`,
        dependsOn: [`[resourceId('Microsoft.ApiManagement/service', ${svc})]`],
        properties: { format: 'rawxml', value: `<fragment>\n  <authentication-managed-identity resource="api://${APP_CLIENT_ID}" />\n</fragment>` },
      });
      (byType(t, 'Microsoft.ApiManagement/service/apis/policies').dependsOn as string[]).push(`[resourceId('Microsoft.ApiManagement/service/policyFragments', ${svc}, 'func-token')]`);
    });
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL001 error', 'TL002 error']);
    const at = whenAt(dir);
    expect(findings[0]!.message).toMatch(new RegExp(`^When the condition at ${at} is true: .*token for resource 'api://${APP_CLIENT_ID}' \\(audience: `));
    expect(findings[1]!.message).toMatch(new RegExp(`^When the condition at ${at} is false: .*carries no token`));
    // The token's element is the fragment's own, in the template that declares the fragment.
    const text = readFileSync(join(dir, 'azuredeploy.json'), 'utf8');
    const before = text.slice(0, text.indexOf('<authentication-managed-identity resource=\\"api://')).split('\n');
    expect(findings[0]!.locations[0]).toMatchObject({ file: 'azuredeploy.json', line: before.length, column: before.at(-1)!.length + 1 });
  });

  it('more than 64 paths: the first 64 are checked and a TL010 note says the rest are not', async () => {
    const header = (n: number) => `@(context.Request.Headers.ContainsKey(&quot;x-flag-${n}&quot;))`;
    const chooses = Array.from({ length: 7 }, (_, n) => `    <choose><when condition="${header(n)}"><set-header name="x-seen-${n}" exists-action="override"><value>1</value></set-header></when></choose>`);
    const dir = variant((t) => setInbound(t, [...chooses, `    ${MI()}`].join('\n')));
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['TL010 note']);
    expect(findings[0]!.message).toContain('more than 64 paths through its <choose> elements; only the first 64 are checked');
  });
});

describe('trustline lint: set-variable through <choose>', () => {
  const partner = '@(context.Request.Headers.GetValueOrDefault(&quot;x-partner&quot;, &quot;&quot;) == &quot;contoso&quot;)';
  /** A first <choose> (on a request header) whose branches set the variable, then a second that attaches the token when `condition` holds. */
  const twoChooses = (branches: string[], condition: string) => variant((t) => setInbound(t, [
    '    <choose>', ...branches.map((b) => `      ${b}`), '    </choose>',
    '    <choose>', `      <when condition="${condition}">`, `        ${MI()}`, '      </when>', '    </choose>',
  ].join('\n')));

  it('a variable set in every branch, <otherwise> included, is set on every path: a condition reading it is decided', async () => {
    const dir = twoChooses([
      `<when condition="${partner}"><set-variable name="useMi" value="yes" /></when>`,
      '<otherwise><set-variable name="useMi" value="@(&quot;y&quot; + &quot;es&quot;)" /></otherwise>',
    ], '@(context.Variables.GetValueOrDefault&lt;string&gt;(&quot;useMi&quot;, &quot;&quot;) == &quot;yes&quot;)');
    const { code, findings } = await lintJson([dir], dir);
    expect(findings).toEqual([]);
    expect(code).toBe(0);
  });

  it('a variable set in one branch only is set on that branch\'s paths: the finding names the first condition alone', async () => {
    const dir = twoChooses([`<when condition="${partner}"><set-variable name="useMi" value="yes" /></when>`], '@(context.Variables.ContainsKey(&quot;useMi&quot;))');
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL002 error']);
    expect(findings[0]!.message).toMatch(new RegExp(`^When the condition at ${whenAt(dir, 0)} is false: API 'functions' of APIM 'trustline-apim': site 'trustline-func' answers 401`));
    expect(findings[0]!.locations.map((l) => `${l.line}:${l.column}`)).not.toContain(whenAt(dir, 1));
  });

  it('a resource expression that reads a variable the path set from the deployment is decided: its token is checked', async () => {
    const mi = '<authentication-managed-identity resource="@((string)context.Variables[&quot;aud&quot;])" />';
    const ok = variant((t) => setInbound(t, `    <set-variable name="aud" value="${APP_CLIENT_ID}" />\n    ${mi}`));
    expect((await lintJson([ok], ok)).findings).toEqual([]);
    const wrong = variant((t) => setInbound(t, `    <set-variable name="aud" value="api://${APP_CLIENT_ID}" />\n    ${mi}`));
    const { findings } = await lintJson([wrong], wrong);
    expect(rules(findings)).toEqual(['TL001 error']);
    expect(findings[0]!.message).toContain(`token for resource 'api://${APP_CLIENT_ID}'`);
  });
});

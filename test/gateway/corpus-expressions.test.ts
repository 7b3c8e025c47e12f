import { createHash, verify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isTwinError } from '../../src/core/index.js';
import { compileExpression } from '../../src/gateway/index.js';
import { buildContext, deriveContext, loadFixture, undocumentedNamedValues, withNamedValues, type FixtureContext } from './corpus-expressions.js';

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
    // invalid C# (SYNTAX, INVALID) and types outside APIM's allowed list (UNSUPPORTED) are what APIM refuses on save:
    // each one is listed in the fixture with the exact code and the evidence
    const refused = (code: string) => results.filter(({ e }) => e.expect?.code === code).length;
    const syntax = results.filter(({ r }) => !r.ok && r.code === 'ERR_APIM_EXPRESSION_SYNTAX');
    expect(syntax.every(({ e }) => e.expect?.code === 'ERR_APIM_EXPRESSION_SYNTAX')).toBe(true);
    const invalidCs = refused('ERR_APIM_EXPRESSION_SYNTAX') + refused('ERR_APIM_EXPRESSION_INVALID');
    const disallowed = refused('ERR_APIM_EXPRESSION_UNSUPPORTED');
    const evaluated = results.filter(({ r }) => r.ok).length;
    expect(results.length).toBeGreaterThan(150);
    // of the expressions APIM accepts (valid C# over allowed types), ≥ 95 % evaluate
    expect(evaluated / (results.length - invalidCs - disallowed)).toBeGreaterThanOrEqual(0.95);
    expect(evaluated / (results.length - invalidCs)).toBeGreaterThanOrEqual(0.95);
    // the honest figure over every expression, invalid snippets included (recorded in the report)
    expect(evaluated / results.length).toBeGreaterThanOrEqual(0.9);
  });
});

describe('what the corpus expressions compute', () => {
  it('the Key Vault client-assertion snippet signs an RS256 JWT that the certificate verifies (x5t-style kid = SHA-1 of the certificate)', () => {
    const file = 'examples/Get OAuth2 access token from AAD using client id and certificate using key vault manage identity.xml';
    const e = fixture.expressions.find((x) => x.file === file && x.source.includes('GetRSAPrivateKey'))!;
    const ctx = contextFor(file, e.context);
    const jwt = compileExpression(withNamedValues(e.source, fixture.namedValues)).evaluate(buildContext(ctx)) as string;
    const [h, c, sig] = jwt.split('.');
    const pfx = ctx.variables!.keyVaultCertBase64 as string;
    const certB64 = compileExpression('@(Convert.ToBase64String(new X509Certificate2(Convert.FromBase64String((string)context.Variables["pfx"]), (string)null).RawData))')
      .evaluate(buildContext({ variables: { pfx } })) as string;
    const cert = new X509Certificate(Buffer.from(certB64, 'base64'));
    expect(verify('sha256', Buffer.from(`${h}.${c}`), cert.publicKey, Buffer.from(sig!, 'base64url'))).toBe(true);
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as { alg: string; kid: string };
    expect(header).toEqual({ alg: 'RS256', kid: createHash('sha1').update(cert.raw).digest('base64url') });
    const claims = JSON.parse(Buffer.from(c!, 'base64url').toString()) as Record<string, string>;
    expect(claims).toMatchObject({ aud: fixture.namedValues.authorizationServer, iss: fixture.namedValues.clientId, sub: fixture.namedValues.clientId });
    expect(Number(claims.exp) - Number(claims.nbf)).toBe(1200);
  });
});

describe('contexts derived for a new corpus file (UPDATE_EXPECTATIONS=1 npm run conformance)', () => {
  const policy = `<policies><inbound>
    <set-variable name="base" value="https://{{host}}" />
    <set-variable name="url" value="@((string)context.Variables["base"] + "/x")" />
    <cache-lookup-value key="k" default-value="@(string.Empty)" variable-name="cached" />
    <send-request mode="new" response-variable-name="tokenResponse"><set-url>@((string)context.Variables["url"])</set-url></send-request>
    <set-variable name="token" value="@((string)((IResponse)context.Variables["tokenResponse"]).Body.As<JObject>()["access_token"])" />
    <authentication-managed-identity resource="api://x" output-token-variable-name="msi" />
    <validate-jwt header-name="Authorization" output-token-variable-name="jwt" />
    <set-variable name="n" value="@(context.Request.Body.As<JObject>(preserveContent: true)["data"]["value"])" />
    <set-variable name="w" value="@({{weight}} + 1)" />
  </inbound></policies>`;

  it('runs the policies in order: variables, response variables, cache misses, tokens, a body the file reads', () => {
    const nv = { host: 'contoso.com', ...undocumentedNamedValues(policy, { host: 'contoso.com' }) };
    expect(nv).toEqual({ host: 'contoso.com', weight: '1' });
    const ctx = deriveContext(policy, nv);
    expect(ctx.variables).toMatchObject({ base: 'https://contoso.com', url: 'https://contoso.com/x', cached: '', w: 2 });
    expect(ctx.variables!.tokenResponse).toHaveProperty('$response');
    expect(typeof ctx.variables!.token).toBe('string');
    expect(ctx.variables!.msi).toBe(ctx.variables!.token);
    expect(ctx.variables!.jwt).toHaveProperty('$jwt');
    expect(ctx.variables!.n).toEqual({ $jobject: 1 });
    expect(ctx).toMatchObject({ method: 'POST', headers: { 'Content-Type': 'application/json' } });
    // the derived context lets the file's expressions evaluate
    const run = (src: string) => compileExpression(withNamedValues(src, nv)).evaluate(buildContext(ctx));
    expect(run('@(((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("aud"))')).toBe('api://backend');
    expect(run('@(((IResponse)context.Variables["tokenResponse"]).StatusCode)')).toBe(200);
  });

  it('runs included fragments in place, and a fragment after the documents that include it', () => {
    const fragment = `<fragment><set-variable name="inner" value="@((string)context.Variables["outer"] + "-in")" /></fragment>`;
    const doc = `<policies><inbound><set-variable name="outer" value="@("o")" /><include-fragment fragment-id="f1" />
      <set-variable name="after" value="@((string)context.Variables["inner"] + "!")" /></inbound></policies>`;
    expect(deriveContext(doc, {}, { fragments: { f1: fragment } }).variables).toEqual({ outer: 'o', inner: 'o-in', after: 'o-in!' });
    // without the fragment, what it sets is missing (and what depends on it a sample string)
    expect(deriveContext(doc, {}).variables).toEqual({ outer: 'o', after: 'c2FtcGxl' });
    // the fragment alone reads what its includers set
    expect(deriveContext(fragment, {}, { fragments: { f1: fragment }, includers: [doc] }).variables).toMatchObject({ outer: 'o', inner: 'o-in' });
  });

  it('gives the request the headers and route parameters the file reads, and the backend answer the headers and JSON properties it reads', () => {
    const policy = `<policies><inbound>
      <set-variable name="size" value="@(int.Parse(context.Request.Headers["Content-Length"][0]))" />
      <set-variable name="id" value="@(context.Request.MatchedParameters["id"] + context.Request.MatchedParameters.GetValueOrDefault("name"))" />
      <set-variable name="port" value="@(context.Request.Headers.GetValueOrDefault("X-Port", "443"))" />
      <send-request mode="new" response-variable-name="r"><set-url>https://x</set-url></send-request>
      <set-variable name="status" value="@(((IResponse)context.Variables["r"]).Body.As<JObject>(preserveContent: true)["status"].ToString())" />
      <set-variable name="bytes" value="@(Convert.FromBase64String(((IResponse)context.Variables["r"]).Body.As<JObject>()["value"].ToString()).Length)" />
    </inbound><outbound><set-variable name="loc" value="@(context.Response.Headers["Location"][0])" /></outbound></policies>`;
    const ctx = deriveContext(policy, {});
    expect(ctx.headers).toEqual({ 'Content-Length': '1024' });
    expect(ctx.matchedParameters).toEqual({ id: '42', name: 'sample-name' });
    expect(ctx.response?.headers).toEqual({ Location: 'https://backend.contoso.com/operations/42' });
    expect(ctx.variables).toMatchObject({ size: 1024, id: '42sample-name', status: 'c2FtcGxl', bytes: 6 });
    // the recorded response keeps the JSON the file reads (and a token endpoint's answer)
    const body = JSON.parse((ctx.variables!.r as { $response: { body: string } }).$response.body) as Record<string, string>;
    expect(body).toMatchObject({ status: 'c2FtcGxl', value: 'c2FtcGxl', token_type: 'Bearer' });
  });

  it('an answer the file reads as XML holds the elements it looks for; answers carry the headers it reads; a validated token the claims', () => {
    const policy = `<policies><inbound>
      <validate-jwt header-name="Authorization" output-token-variable-name="jwt" />
      <set-variable name="perm" value="@(((Jwt)context.Variables["jwt"]).Claims["permissions"][0] + ((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("aud"))" />
      <send-request mode="new" response-variable-name="soap"><set-url>https://x</set-url></send-request>
      <set-variable name="v" value="@(XDocument.Parse(((IResponse)context.Variables["soap"]).Body.As<string>()).Descendants().Where(e => e.Name.LocalName == "value1").First().Value)" />
      <set-variable name="w" value="@(XDocument.Parse(((IResponse)context.Variables["soap"]).Body.As<string>()).Descendants("value2").Count())" />
      <send-request mode="new" response-variable-name="head"><set-url>https://x</set-url></send-request>
      <set-variable name="csrf" value="@(((IResponse)context.Variables["head"]).Headers.GetValueOrDefault("x-csrf-token"))" />
    </inbound></policies>`;
    const ctx = deriveContext(policy, {});
    expect(ctx.variables).toMatchObject({ perm: 'c2FtcGxlapi://backend', v: 'c2FtcGxl', w: 1, csrf: 'sample-x-csrf-token' });
    expect(ctx.variables!.soap).toEqual({ $response: { status: 200, headers: { 'Content-Type': 'application/xml', 'x-csrf-token': 'sample-x-csrf-token' }, body: '<response><value1>c2FtcGxl</value1><value2>c2FtcGxl</value2></response>' } });
    expect((ctx.variables!.head as { $response: { headers: object } }).$response.headers).toEqual({ 'Content-Type': 'application/json', 'x-csrf-token': 'sample-x-csrf-token' });
  });

  it('defines every named value the file uses that the list lacks, in plain text too (APIM refuses a policy naming a missing one)', () => {
    const policy = `<!-- {{in-a-comment}} --><policies><inbound><set-variable name="n" value="{{expiry}}" /><set-variable name="m" value="@(int.Parse((string)context.Variables["n"]) + {{weight}})" /></inbound></policies>`;
    const nv = { known: 'x', ...undocumentedNamedValues(policy, { known: 'x', Weight: '2' }) };
    expect(nv).toEqual({ known: 'x', expiry: '1' });
    expect(deriveContext(policy, { ...nv, weight: '2' }).variables).toEqual({ n: '1', m: 3 });
  });

  it('a string variable that fails with every context is a sample string (the value of a run where it succeeded)', () => {
    const policy = `<policies><inbound>
      <set-variable name="key" value="@(context.Request.Headers.GetValueOrDefault("Cookie", "").Split('=')[1])" />
      <set-variable name="n" value="@(int.Parse(context.Request.Headers.GetValueOrDefault("Cookie", "")))" />
      <set-variable name="k2" value="@($"cache-{(string)context.Variables["key"]}")" />
    </inbound></policies>`;
    expect(deriveContext(policy, {}).variables).toEqual({ key: 'c2FtcGxl', k2: 'cache-c2FtcGxl' });
  });

  it('gives nothing for text that is not a policy document', () => {
    expect(deriveContext('<policies><inbound>', {})).toEqual({});
  });
});

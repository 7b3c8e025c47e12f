import { describe, expect, it } from 'vitest';
import { isTwinError } from '../../src/core/index.js';
import { compileExpression, loadPolicyDocument, parsePolicyXml } from '../../src/gateway/index.js';
import { fakeContext } from './expression-context.js';

function strip(n: ReturnType<typeof parsePolicyXml>): unknown {
  return { name: n.name, attrs: n.attrs, text: n.text.trim(), children: n.children.map(strip) };
}

function loadError(xml: string, opts: Parameters<typeof loadPolicyDocument>[1] = {}) {
  try {
    loadPolicyDocument(xml, opts);
  } catch (e) {
    if (isTwinError(e)) return { code: e.code, where: e.where(), message: e.message };
    throw e;
  }
  throw new Error('expected a load error');
}

describe('rawxml loading', () => {
  const raw = `<policies><inbound>
  <choose>
    <when condition="@(context.Request.Method == "GET" && 1 < 3)">
      <set-body>@(body.As<JObject>())</set-body>
    </when>
  </choose>
</inbound></policies>`;
  const escaped = `<policies><inbound>
  <choose>
    <when condition="@(context.Request.Method == &quot;GET&quot; &amp;&amp; 1 &lt; 3)">
      <set-body>@(body.As&lt;JObject&gt;())</set-body>
    </when>
  </choose>
</inbound></policies>`;

  it('rawxml and its entity-escaped form give the same tree (behaviour 1)', () => {
    const a = parsePolicyXml(raw);
    const b = parsePolicyXml(escaped);
    expect(strip(a)).toEqual(strip(b));
    const when = a.children[0]!.children[0]!.children[0]!;
    expect(when.attrs.condition).toBe('@(context.Request.Method == "GET" && 1 < 3)');
    expect(when.children[0]!.text).toBe('@(body.As<JObject>())');
    expect(when.line).toBe(3);
    expect(when.column).toBe(5);
  });

  it('extracts @{…} blocks with braces and parens inside strings, verbatim/interpolated strings and comments (behaviour 2)', () => {
    const block = `@{
      // a comment with "quotes" and } and )
      var a = "x}y)";
      var b = @"C:\\dir ""q"" }";
      var c = $"{a + "}"}-{{lit}}";
      /* block } */
      return a + b + c + '}';
    }`;
    const xml = `<policies><inbound><set-variable name="v" value="${block}" /></inbound></policies>`;
    const node = parsePolicyXml(xml).children[0]!.children[0]!;
    expect(node.attrs.value).toBe(block);
    const compiled = compileExpression(node.attrs.value!);
    expect(compiled.evaluate(fakeContext())).toBe('x}y)C:\\dir "q" }x}y)}-{lit}}');
  });

  it('keeps line breaks of a multi-line expression attribute in well-formed XML (a // comment ends at its line)', () => {
    // XML would normalize the line breaks of an attribute value to spaces, and the comment would swallow the code
    const xml = `<policies><inbound><set-variable name="v" value="@{
        int status = 200; // the default status
        string reason = &quot;OK&quot;;
        return status + reason;
      }" /></inbound></policies>`;
    const node = parsePolicyXml(xml).children[0]!.children[0]!;
    expect(node.attrs.value).toContain('// the default status\n');
    expect(compileExpression(node.attrs.value!).evaluate(fakeContext())).toBe('200OK');
    expect(loadPolicyDocument(xml).kind).toBe('policies');
  });

  it('keeps line:column of elements after multi-line expressions', () => {
    const xml = `<policies>\n<inbound>\n<set-variable name="a" value="@(1 <\n 2)" /><bogus-policy />\n</inbound></policies>`;
    expect(loadError(xml)).toEqual({
      code: 'ERR_APIM_POLICY_UNKNOWN_ELEMENT',
      where: 'line 4:8',
      message: "There is no policy matching element name 'bogus-policy'",
    });
  });

  it('rejects DOCTYPE and entity declarations', () => {
    expect(loadError('<!DOCTYPE policies [<!ENTITY x "y">]><policies><inbound/></policies>').code).toBe('ERR_APIM_POLICY_XML');
  });

  it('reports malformed XML with a location', () => {
    const e = loadError('<policies>\n  <inbound>\n</policies>');
    expect(e.code).toBe('ERR_APIM_POLICY_XML');
    expect(e.where).toMatch(/^line 3:\d+$/);
  });

  it("refuses a comment holding '--' as .NET's XmlReader does (XML 1.0 §2.5), reporting the first '-' of the pair", () => {
    // inside the root element: an unterminated comment runs into the next one, whose '<!--' holds the '--'
    const unterminated = '<policies><!-- what this policy does\n<!-- copy it into inbound -->\n<inbound><base /></inbound></policies>';
    expect(loadError(unterminated)).toEqual({
      code: 'ERR_APIM_POLICY_XML',
      where: 'line 2:3',
      message: "An XML comment cannot contain '--', and '-' cannot be the last character. Line 2, position 3.",
    });
    // '-' as the last character of a comment, and '--' in the middle of one inside a section
    expect(loadError('<policies><inbound><!-- a ---></inbound></policies>').where).toBe('line 1:27');
    expect(loadError('<policies>\n  <inbound>\n    <!-- x -- y -->\n  </inbound>\n</policies>').where).toBe('line 3:12');
    // the rest of the document is unaffected: '-->' alone and '-' inside a comment are fine
    expect(loadPolicyDocument('<policies><inbound><!-- a - b --><!----><base /></inbound></policies>').sections.inbound).toHaveLength(1);
  });

  it("reports XmlReader's message and position for malformed policy XML", () => {
    expect(loadError('<policies>\n  <inbound>\n  </outbound>\n</policies>')).toEqual({
      code: 'ERR_APIM_POLICY_XML',
      where: 'line 3:5',
      message: "The 'inbound' start tag on line 2 position 4 does not match the end tag of 'outbound'. Line 3, position 5.",
    });
    expect(loadError('<policies><inbound>')).toMatchObject({ where: 'line 1:20', message: 'Unexpected end of file has occurred. The following elements are not closed: policies, inbound. Line 1, position 20.' });
    expect(loadError('<policies/>\n<policies/>')).toMatchObject({ where: 'line 2:2', message: 'There are multiple root elements. Line 2, position 2.' });
  });

  it("strict mode reads a comment holding '--' outside the root element (a snippet's notes) on to the next '-->', with a warning", () => {
    // the shape of a published snippet: notes to the reader before <policies>, the first one never closed
    const snippet = '<!-- what this policy does\n<!-- copy it into the outbound section. -->\n<policies><inbound><base /></inbound></policies>\n<!-- after -- the end -->';
    const doc = loadPolicyDocument(snippet);
    expect(doc.sections.inbound).toHaveLength(1);
    expect(doc.warnings).toEqual([
      "ERR_APIM_POLICY_XML: An XML comment cannot contain '--', and '-' cannot be the last character. Line 2, position 3. at line 2:3 (outside the root element: the comment goes on to the next '-->')",
      "ERR_APIM_POLICY_XML: An XML comment cannot contain '--', and '-' cannot be the last character. Line 4, position 12. at line 4:12 (outside the root element: the comment goes on to the next '-->')",
    ]);
    // a comment before the root that never ends is still refused
    expect(loadError('<!-- a -- b\n<policies><inbound/></policies>').code).toBe('ERR_APIM_POLICY_XML');
  });

  it("loose mode reads a comment holding '--' on to the next '-->', with a warning per comment", () => {
    const xml = '<!-- about this policy\n<!-- and more -->\n<policies><inbound><!-- x -- y --><set-header name="A" exists-action="override"><value>1</value></set-header></inbound></policies>';
    const doc = loadPolicyDocument(xml, { loose: true });
    expect(doc.sections.inbound).toHaveLength(1);
    expect(doc.warnings).toEqual([
      "ERR_APIM_POLICY_XML: An XML comment cannot contain '--', and '-' cannot be the last character. Line 2, position 3. at line 2:3 (loose: the comment goes on to the next '-->')",
      "ERR_APIM_POLICY_XML: An XML comment cannot contain '--', and '-' cannot be the last character. Line 3, position 27. at line 3:27 (loose: the comment goes on to the next '-->')",
    ]);
    // other XML errors still fail in loose mode
    expect(loadError('<policies><inbound></policies>', { loose: true }).code).toBe('ERR_APIM_POLICY_XML');
    // a comment that never ends is not repaired either
    expect(loadError('<policies><inbound/></policies><!-- a -- b', { loose: true }).code).toBe('ERR_APIM_POLICY_XML');
  });

  it('substitutes named values before parsing (attributes, literals, expression strings), leaves unknown ones (behaviour 5)', () => {
    const doc = loadPolicyDocument(
      `<policies><inbound><set-header name="X-{{Suffix}}" exists-action="override"><value>@("{{tenant}}" + "{{missing}}")</value></set-header></inbound></policies>`,
      { namedValues: [{ name: 'suffix', value: 'Tenant' }, { name: 'Tenant', value: 't1' }] },
    );
    expect(doc.root.children[0]!.children[0]!.attrs.name).toBe('X-Tenant');
    expect(doc.root.children[0]!.children[0]!.children[0]!.text).toBe('@("t1" + "{{missing}}")');
  });

  it('an element in a forbidden section fails in strict mode and warns in loose mode (behaviour 6)', () => {
    const xml = '<policies><inbound><base/>\n  <forward-request /></inbound></policies>';
    expect(loadError(xml)).toEqual({
      code: 'ERR_APIM_POLICY_SECTION',
      where: 'line 2:3',
      message: '<forward-request> is not allowed in the inbound section (allowed: backend)',
    });
    const loose = loadPolicyDocument(xml, { loose: true });
    expect(loose.warnings).toEqual(['ERR_APIM_POLICY_SECTION: <forward-request> is not allowed in the inbound section (allowed: backend) at line 2:3']);
  });

  it('a value that opens an expression without closing it fails in strict mode and stays literal in loose mode', () => {
    const xml = '<policies><inbound>\n <set-header name="x" exists-action="override"><value>@(context.Request.Method</value></set-header></inbound></policies>';
    expect(loadError(xml)).toEqual({
      code: 'ERR_APIM_EXPRESSION_SYNTAX',
      where: 'line 2:48',
      message: 'The expression in <value> of <set-header> is not closed: @(context.Request.Method',
    });
    expect(loadPolicyDocument(xml, { loose: true }).warnings).toEqual([
      'ERR_APIM_EXPRESSION_SYNTAX: The expression in <value> of <set-header> is not closed: @(context.Request.Method at line 2:48',
    ]);
  });

  it('an unsupported expression member fails at load with the element location', () => {
    const e = loadError('<policies><inbound>\n <set-variable name="a" value="@(context.Foo)" /></inbound></policies>', { file: 'p.xml' });
    expect(e.code).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(e.where).toBe('p.xml:2:2');
    expect(e.message).toContain("'Context' has no supported property 'Foo'");
  });

  it('a known but unimplemented policy is ERR_APIM_POLICY_UNSUPPORTED', () => {
    expect(loadError('<policies><outbound><xsl-transform/></outbound></policies>').code).toBe('ERR_APIM_POLICY_UNSUPPORTED');
  });

  it('get-authorization-context is refused at load even in loose mode, naming the missing credential manager', () => {
    const xml = '<policies><inbound><get-authorization-context provider-id="github" authorization-id="auth" context-variable-name="ctx" /></inbound></policies>';
    for (const loose of [false, true]) {
      const e = loadError(xml, { loose });
      expect(e.code).toBe('ERR_APIM_POLICY_UNSUPPORTED');
      expect(e.message).toContain('<get-authorization-context> is not supported: the twin has no credential manager');
    }
  });

  it('accepts a BOM and comments before the root, and fragments', () => {
    const doc = loadPolicyDocument('\ufeff<!-- c --><fragment><set-variable name="a" value="b" /></fragment>');
    expect(doc.kind).toBe('fragment');
    expect(loadError('<fragment><base /></fragment>').code).toBe('ERR_APIM_POLICY_STRUCTURE');
  });

  it('a fragment saved on its own may hold policies of any section; the section rule applies where it is included', () => {
    const frag = '<fragment><retry condition="@(context.Response.StatusCode == 429)" count="2" interval="1"><forward-request buffer-request-body="true" /></retry></fragment>';
    expect(loadPolicyDocument(frag).kind).toBe('fragment');
    expect(loadError('<fragment><forward-request /><no-such-policy /></fragment>').code).toBe('ERR_APIM_POLICY_UNKNOWN_ELEMENT');
    const fragments = [{ id: 'payg', value: frag }];
    expect(loadPolicyDocument('<policies><inbound /><backend><include-fragment fragment-id="payg" /></backend><outbound /><on-error /></policies>', { fragments }).kind).toBe('policies');
    const misplaced = loadError('<policies><inbound><include-fragment fragment-id="payg" /></inbound></policies>', { fragments });
    expect(misplaced?.code).toBe('ERR_APIM_POLICY_SECTION');
  });
});

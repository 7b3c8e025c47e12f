import { describe, it, expect } from 'vitest';
import { policyInFormat } from '../../src/runtime/control-plane/policy-format.js';

describe('APIM policy GET ?format= (xml escapes expressions, rawxml gives them as written)', () => {
  const raw = `<policies><inbound><set-header name="x" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("a", "") + "<&>")</value></set-header><choose><when condition="@(context.Variables.GetValueOrDefault<int>(&quot;n&quot;) > 1 && true)"><return-response /></when></choose><set-variable name='v' value='@("it&apos;s")' /></inbound></policies>`;

  it('xml: element text escapes & < >, a "-quoted attribute also its quotes, a \'-quoted one its apostrophes; XML around is untouched', () => {
    const xml = policyInFormat(raw, 'xml');
    expect(xml).toContain('<value>@(context.Request.Headers.GetValueOrDefault("a", "") + "&lt;&amp;&gt;")</value>');
    expect(xml).toContain('condition="@(context.Variables.GetValueOrDefault&lt;int&gt;(&quot;n&quot;) &gt; 1 &amp;&amp; true)"');
    expect(xml).toContain(`value='@("it&apos;s")'`);
    expect(xml.startsWith('<policies><inbound><set-header name="x" exists-action="override">')).toBe(true);
  });

  it('rawxml: expressions as written (entities decoded), the rest as stored', () => {
    const out = policyInFormat(raw, 'rawxml');
    expect(out).toContain('<value>@(context.Request.Headers.GetValueOrDefault("a", "") + "<&>")</value>');
    expect(out).toContain('condition="@(context.Variables.GetValueOrDefault<int>("n") > 1 && true)"');
    expect(out).toContain(`value='@("it's")'`);
  });

  it('round trip: xml of rawxml of xml is stable; a policy without expressions is returned as stored', () => {
    const xml = policyInFormat(raw, 'xml');
    expect(policyInFormat(policyInFormat(xml, 'rawxml'), 'xml')).toBe(xml);
    const plain = '<policies><inbound><base /><!-- @(not an expression) --></inbound></policies>';
    expect(policyInFormat(plain, 'xml')).toBe(plain);
    expect(policyInFormat(plain, 'rawxml')).toBe(plain);
  });
});

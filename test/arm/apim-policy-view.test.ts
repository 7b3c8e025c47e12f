import { describe, it, expect } from 'vitest';
import { policyInFormat } from '../../src/arm/providers/apim-policy-view.js';

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

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deploy } from '../../src/arm/index.js';
import { RG, setup } from './helpers/seed.js';

describe("reference() of an APIM policy reads what APIM's GET answers: format xml, the document in xml, a linked one inline", () => {
  const NS = 'Microsoft.ApiManagement/service';
  const doc = (header: string) => `<policies><inbound><set-header name="x" exists-action="override"><value>${header}</value></set-header></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`;
  const raw = doc('@("<" + context.Request.Method + ">")');
  const resources = (policyProps: Record<string, unknown>) => [
    { type: NS, apiVersion: '2022-08-01', name: 's', location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, properties: { publisherEmail: 'a@contoso.com', publisherName: 'C' } },
    { type: `${NS}/apis`, apiVersion: '2022-08-01', name: 's/api', dependsOn: ['s'], properties: { path: 'p', displayName: 'P', protocols: ['https'] } },
    { type: `${NS}/apis/policies`, apiVersion: '2022-08-01', name: 's/api/policy', dependsOn: ['api'], properties: policyProps },
  ];
  const outputs = {
    props: { type: 'object', value: "[reference(resourceId('Microsoft.ApiManagement/service/apis/policies', 's', 'api', 'policy'), '2022-08-01')]" },
    full: { type: 'object', value: "[reference(resourceId('Microsoft.ApiManagement/service/apis/policies', 's', 'api', 'policy'), '2022-08-01', 'Full').properties]" },
    old: { type: 'object', value: "[reference(resourceId('Microsoft.ApiManagement/service/apis/policies', 's', 'api', 'policy'), '2018-01-01')]" },
  };
  const run = (policyProps: Record<string, unknown>) => {
    const { options } = setup();
    deploy({ deploymentName: 'd', template: { resources: resources(policyProps) } }, options);
    const r = deploy({ deploymentName: 'r', template: { resources: [], outputs } }, options);
    return { props: r.outputs['props']!.value, full: r.outputs['full']!.value, old: r.outputs['old']!.value };
  };
  const xmlValue = doc('@("&lt;" + context.Request.Method + "&gt;")');

  it('saved as rawxml (or without format): format xml, the expressions escaped, as GET without ?format', () => {
    expect(policyInFormat(raw, 'xml')).toBe(xmlValue);
    for (const props of [{ format: 'rawxml', value: raw }, { value: raw }, { format: 'xml', value: xmlValue }]) {
      const r = run(props);
      expect(r.props, JSON.stringify(props)).toEqual({ format: 'xml', value: xmlValue });
      expect(r.full).toEqual({ format: 'xml', value: xmlValue });
      // an api-version before 2019-01-01 answers the xml content only, as `policyContent` (api-version-shapes.ts)
      expect(r.old).toEqual({ policyContent: xmlValue });
    }
  });

  it('saved as rawxml-link to a file: format xml, the document read at save inline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-view-'));
    try {
      const file = join(dir, 'policy.xml');
      writeFileSync(file, raw);
      expect(run({ format: 'rawxml-link', value: pathToFileURL(file).href }).props).toEqual({ format: 'xml', value: xmlValue });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the store keeps what was saved (the gateway runs it)', () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template: { resources: resources({ format: 'rawxml', value: raw }) } }, options);
    expect(store.getResource(`${RG}/providers/${NS}/s/apis/api/policies/policy`)!.properties).toEqual({ format: 'rawxml', value: raw });
  });
});

import { describe, expect, it } from 'vitest';
import { linkParameters } from '../../src/arm/template/link-parameters.js';

describe('linkParameters: the parameters linked documents\' URLs are built from', () => {
  it('reads templateLink.uri and API Management *-link values (current and pre-2019 names); a token is what ends the URL', () => {
    const found = linkParameters({
      resources: [
        { properties: { templateLink: { uri: "[concat(parameters('templateUrl'), 'api/x.json', parameters('templateToken'))]" } } },
        { properties: { templateLink: { uri: "[uri(parameters('_base'), 'nested/y.json')]" } } },
        { properties: { format: 'rawxml-link', value: "[format('{0}/policies/global.xml{1}', parameters('repoBaseUrl'), parameters('sas'))]" } },
        { properties: { contentFormat: 'xml-link', policyContent: "[concat(parameters('oldBase'), '/p.xml')]" } },
        // Not links: an inline policy, a whole-parameter URI (no path to place it), a concat that starts with a literal.
        { properties: { format: 'rawxml', value: "[concat(parameters('inline'), 'x')]" } },
        { properties: { templateLink: { uri: "[parameters('whole')]" } } },
        { properties: { templateLink: { uri: "[concat('https://x/', parameters('tail'))]" } } },
      ],
    });
    expect(Object.fromEntries(found.bases)).toEqual({ templateurl: ['api/x.json'], _base: ['nested/y.json'], repobaseurl: ['/policies/global.xml'], oldbase: ['/p.xml'] });
    expect([...found.tokens].sort()).toEqual(['sas', 'templatetoken']);
  });
});

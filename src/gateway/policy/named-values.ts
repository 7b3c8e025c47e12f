import type { PolicyNode } from './xml.js';

const REFERENCE = /\{\{\s*([A-Za-z0-9._-]+)\s*\}\}/g;

/**
 * Named values (docs/behaviour/apim.md §1.2): `{{name}}` is replaced by the value's text. Names are matched
 * case-insensitively; unknown references stay as they are (liquid bodies use `{{body.x}}`).
 */
export function substituteNamedValues(text: string, namedValues: ReadonlyMap<string, string> | undefined): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  if (!namedValues || namedValues.size === 0 || !text.includes('{{')) return { text, unknown };
  const out = text.replace(REFERENCE, (m, name: string) => {
    const v = namedValues.get(name.toLowerCase());
    if (v === undefined) { unknown.push(name); return m; }
    return v;
  });
  return { text: out, unknown };
}

/**
 * The document with its named values in place, substituted after the XML is read (docs/behaviour/apim.md §1.2): into
 * attribute values and element text, expressions included, as text — a value holding `"`, `<`, `&` or JSON is those
 * characters in the value, never markup, and cannot break the document around it.
 */
export function substituteInTree(node: PolicyNode, namedValues: ReadonlyMap<string, string> | undefined): PolicyNode {
  if (!namedValues || namedValues.size === 0) return node;
  const sub = (s: string) => (s.includes('{{') ? substituteNamedValues(s, namedValues).text : s);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(node.attrs)) attrs[k] = sub(v);
  return { ...node, attrs, text: sub(node.text), innerXml: sub(node.innerXml), children: node.children.map((c) => substituteInTree(c, namedValues)) };
}

/**
 * Read a policy document or fragment with its named values in place. `afterXmlParse` (compat flag
 * `namedValuesAfterXmlParse`, default true): substituted into what the XML holds ({@link substituteInTree}); false:
 * substituted into the document's text before it is read, as APIM classic documents its `{{name}}` replacement — a
 * value's `"`, `<` or `&` is then markup and can break the document (docs/differences.md).
 */
export function readWithNamedValues(
  xml: string, namedValues: ReadonlyMap<string, string> | undefined, afterXmlParse: boolean, parse: (xml: string) => PolicyNode,
): PolicyNode {
  if (afterXmlParse) return substituteInTree(parse(xml), namedValues);
  return parse(substituteNamedValues(xml, namedValues).text);
}

export function namedValueMap(list: ReadonlyArray<{ name: string; value: string }> | undefined): Map<string, string> {
  return new Map((list ?? []).map((nv) => [nv.name.toLowerCase(), nv.value]));
}

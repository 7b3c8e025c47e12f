/**
 * Named values (docs/behaviour/apim.md §1.2): textual `{{name}}` substitution before parsing. Names are matched
 * case-insensitively; unknown references stay as they are (liquid bodies use `{{body.x}}`).
 */
export function substituteNamedValues(text: string, namedValues: ReadonlyMap<string, string> | undefined): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  if (!namedValues || namedValues.size === 0 || !text.includes('{{')) return { text, unknown };
  const out = text.replace(/\{\{\s*([A-Za-z0-9._-]+)\s*\}\}/g, (m, name: string) => {
    const v = namedValues.get(name.toLowerCase());
    if (v === undefined) { unknown.push(name); return m; }
    return v;
  });
  return { text: out, unknown };
}

export function namedValueMap(list: ReadonlyArray<{ name: string; value: string }> | undefined): Map<string, string> {
  return new Map((list ?? []).map((nv) => [nv.name.toLowerCase(), nv.value]));
}

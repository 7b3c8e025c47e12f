/**
 * A JSON reader that keeps where each token ends (line and position as Newtonsoft's JsonTextReader counts them:
 * 1-based line, characters of the line read so far), so schema errors can say "Line: 1, Position: 15" as APIM's
 * validation policies do (docs/behaviour/apim.md §2, validation policies). Bounded: nesting 256, as the body
 * itself is bounded by the gateway's buffer limit.
 */
export interface Pos { line: number; position: number }
export type JNode =
  | { kind: 'object'; end: Pos; props: Array<{ key: string; keyEnd: Pos; value: JNode }> }
  | { kind: 'array'; end: Pos; items: JNode[] }
  | { kind: 'string'; end: Pos; value: string }
  | { kind: 'number'; end: Pos; value: number; integer: boolean; text: string }
  | { kind: 'boolean'; end: Pos; value: boolean }
  | { kind: 'null'; end: Pos };

export const MAX_JSON_DEPTH = 256;

export class JsonPositionError extends Error {
  constructor(message: string, readonly pos: Pos) { super(message); }
}

export function parseJsonWithPositions(text: string): JNode {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const pos = (): Pos => ({ line, position: i - lineStart });
  const fail = (what: string): never => { throw new JsonPositionError(what, pos()); };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 10) { i++; line++; lineStart = i; } else if (c === 32 || c === 9 || c === 13) i++;
      else break;
    }
  };
  const str = (): string => {
    const start = ++i;
    let out = '';
    let from = start;
    for (;;) {
      if (i >= text.length) fail('Unterminated string. Expected delimiter: ".');
      const c = text.charCodeAt(i);
      if (c === 34) { out += text.slice(from, i); i++; return out; }
      if (c === 92) {
        out += text.slice(from, i);
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) { out += simple[e]; i += 2; } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)); i += 6;
        } else fail(`Bad JSON escape sequence: \\${e ?? ''}.`);
        from = i;
        continue;
      }
      if (c === 10) fail('Unterminated string. Expected delimiter: ".');
      i++;
    }
  };
  const value = (depth: number): JNode => {
    if (depth > MAX_JSON_DEPTH) fail(`The reader's MaxDepth of ${MAX_JSON_DEPTH} has been exceeded.`);
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const props: Array<{ key: string; keyEnd: Pos; value: JNode }> = [];
      ws();
      if (text[i] === '}') { i++; return { kind: 'object', end: pos(), props }; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`Invalid property identifier character: ${text[i] ?? 'end of input'}.`);
        const key = str();
        ws();
        if (text[i] !== ':') fail(`Invalid character after parsing property name. Expected ':' but got: ${text[i] ?? 'end of input'}.`);
        i++;
        const keyEnd = pos();
        props.push({ key, keyEnd, value: value(depth + 1) });
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return { kind: 'object', end: pos(), props }; }
        fail(`After parsing a value an unexpected character was encountered: ${text[i] ?? 'end of input'}.`);
      }
    }
    if (c === '[') {
      i++;
      const items: JNode[] = [];
      ws();
      if (text[i] === ']') { i++; return { kind: 'array', end: pos(), items }; }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return { kind: 'array', end: pos(), items }; }
        fail(`After parsing a value an unexpected character was encountered: ${text[i] ?? 'end of input'}.`);
      }
    }
    if (c === '"') { const v = str(); return { kind: 'string', end: pos(), value: v }; }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m) { i += m[0].length; return { kind: 'number', end: pos(), value: Number(m[0]), integer: !m[1] && !m[2], text: m[0] }; }
    for (const [w, node] of [['true', { kind: 'boolean', value: true }], ['false', { kind: 'boolean', value: false }], ['null', { kind: 'null' }]] as const) {
      if (text.startsWith(w, i)) { i += w.length; return { ...node, end: pos() } as JNode; }
    }
    return fail(i >= text.length ? 'Unexpected end when reading JSON.' : `Unexpected character encountered while parsing value: ${c}.`);
  };
  const root = value(0);
  ws();
  if (i < text.length) fail(`Additional text encountered after finished reading JSON content: ${text[i]}.`);
  return root;
}

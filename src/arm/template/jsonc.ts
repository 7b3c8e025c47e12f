import { parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node, ParseError } from 'jsonc-parser';
import { armError } from '../errors.js';
import { ARM_LIMITS } from '../expressions/limits.js';
import { normInt, setProp } from '../expressions/values.js';
import type { SourceLocation } from '../../core/index.js';

/** A parsed JSONC document plus a map JSON path → 1-based line:column of each value. */
export interface ParsedDocument {
  value: unknown;
  file?: string;
  /** Location of the value at `jsonPath` (e.g. `resources[2].properties.value`), undefined if unknown. */
  locate(jsonPath: string): SourceLocation;
}

const PRIVATE_BASE = 0xe000;

/**
 * Replace raw control characters inside JSON strings by private-use code points of the same length,
 * so that jsonc-parser accepts them (ARM/Newtonsoft tolerates raw newlines and tabs in strings).
 */
function maskControlChars(text: string): { text: string; masked: boolean; depthAt: number } {
  let out = '';
  let masked = false;
  let last = 0;
  let i = 0;
  let depth = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      if (++depth > ARM_LIMITS.maxJsonDepth) return { text, masked: false, depthAt: i };
      i++;
    } else if (ch === '}' || ch === ']') {
      depth--;
      i++;
    } else if (ch === '"') {
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\') {
          i += 2;
          continue;
        }
        const code = text.charCodeAt(i);
        if (code < 0x20) {
          out += text.slice(last, i) + String.fromCharCode(PRIVATE_BASE + code);
          last = i + 1;
          masked = true;
        }
        i++;
      }
      i++;
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else {
      i++;
    }
  }
  return masked ? { text: out + text.slice(last), masked, depthAt: -1 } : { text, masked, depthAt: -1 };
}

function unmask(s: string): string {
  return s.replace(/[\ue000-\ue01f]/g, (c) => String.fromCharCode(c.charCodeAt(0) - PRIVATE_BASE));
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENT.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}['${key.replace(/'/g, "''")}']`;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function position(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/** Refuse a document larger than `maxBytes` (UTF-8) before parsing it. */
export function checkDocumentSize(bytes: number, maxBytes: number, what: string, file?: string): void {
  if (bytes > maxBytes) {
    throw armError(
      'ERR_ARM_LIMIT_EXCEEDED',
      `The ${what}${file ? ` '${file}'` : ''} is ${bytes} bytes; Azure's limit is ${maxBytes} bytes (4 MB, docs/limits.md).`,
      file ? { file } : undefined,
      { limit: what === 'template' ? 'maxTemplateBytes' : 'maxParametersBytes', max: maxBytes, value: bytes },
    );
  }
}

/**
 * Parse JSONC (comments, trailing commas, raw control characters in strings) keeping value locations.
 * Documents above `maxBytes` (default: Azure's 4 MB template limit) or nested deeper than
 * ARM_LIMITS.maxJsonDepth are refused before any tree is built.
 */
export function parseJsonDocument(rawText: string, file?: string, options: { maxBytes?: number; what?: string } = {}): ParsedDocument {
  const maxBytes = options.maxBytes ?? ARM_LIMITS.maxTemplateBytes;
  if (rawText.length > maxBytes) checkDocumentSize(rawText.length, maxBytes, options.what ?? 'template', file);
  checkDocumentSize(Buffer.byteLength(rawText, 'utf8'), maxBytes, options.what ?? 'template', file);
  const text = rawText.charCodeAt(0) === 0xfeff ? ' ' + rawText.slice(1) : rawText;
  const { text: scanText, masked, depthAt } = maskControlChars(text);
  const starts = lineStarts(text);
  if (depthAt >= 0) {
    const pos = position(starts, depthAt);
    throw armError(
      'ERR_ARM_LIMIT_EXCEEDED',
      `The JSON${file ? ` file '${file}'` : ''} nests objects and arrays more than ${ARM_LIMITS.maxJsonDepth} levels deep at line '${pos.line}' and column '${pos.column}' (docs/limits.md).`,
      { ...(file ? { file } : {}), line: pos.line, column: pos.column },
      { limit: 'maxJsonDepth', max: ARM_LIMITS.maxJsonDepth },
    );
  }
  const errors: ParseError[] = [];
  const root = parseTree(scanText, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  if (errors.length > 0 || !root) {
    const err = errors[0];
    const pos = position(starts, err?.offset ?? 0);
    const what = err ? printParseErrorCode(err.error) : 'ValueExpected';
    throw armError(
      'ERR_ARM_TEMPLATE_PARSE',
      `Unable to parse JSON${file ? ` file '${file}'` : ''}: ${what} at line '${pos.line}' and column '${pos.column}'.`,
      { ...(file ? { file } : {}), line: pos.line, column: pos.column },
    );
  }
  const keyOf = (keyNode: Node) => (masked ? unmask(String(keyNode.value)) : String(keyNode.value));
  const build = (node: Node): unknown => {
    switch (node.type) {
      case 'object': {
        const obj: Record<string, unknown> = {};
        for (const prop of node.children ?? []) {
          const keyNode = prop.children?.[0];
          const valueNode = prop.children?.[1];
          if (!keyNode || !valueNode) continue;
          setProp(obj, keyOf(keyNode), build(valueNode));
        }
        return obj;
      }
      case 'array':
        return (node.children ?? []).map((c) => build(c));
      case 'string':
        return masked ? unmask(String(node.value)) : node.value;
      case 'number': {
        // Integers are 64-bit in templates: keep what a double cannot hold exactly.
        if (typeof node.value === 'number' && !Number.isSafeInteger(node.value)) {
          const raw = scanText.slice(node.offset, node.offset + node.length);
          if (/^-?\d+$/.test(raw)) return normInt(BigInt(raw));
        }
        return node.value;
      }
      default:
        return node.value;
    }
  };
  const value = build(root);
  // Locations are found on demand by walking the parse tree along the JSON path (no index of every path:
  // a 3 MB template would spend more on it than on its evaluation).
  const nodeAt = (jsonPath: string): Node | undefined => {
    let node: Node | undefined = root;
    for (const seg of pathSegments(jsonPath)) {
      if (!node) return undefined;
      if (typeof seg === 'number') node = node.type === 'array' ? node.children?.[seg] : undefined;
      else if (node.type === 'object') {
        const props: Node[] = node.children ?? [];
        let found: Node | undefined;
        for (let i = props.length - 1; i >= 0; i--) {
          const prop = props[i]!;
          if (prop.children?.[0] && keyOf(prop.children[0]) === seg) {
            found = prop.children[1];
            break;
          }
        }
        node = found;
      } else return undefined;
    }
    return node;
  };
  return {
    value,
    ...(file ? { file } : {}),
    locate(jsonPath: string): SourceLocation {
      const loc: SourceLocation = { ...(file ? { file } : {}), jsonPath };
      const node = nodeAt(jsonPath);
      if (!node) return loc;
      const p = position(starts, node.offset);
      return { ...loc, line: p.line, column: p.column };
    },
  };
}

/** The segments of a JSON path as `childPath` writes it: `a.b[2]['c d']`. */
export function pathSegments(jsonPath: string): Array<string | number> {
  const out: Array<string | number> = [];
  let i = 0;
  while (i < jsonPath.length) {
    const c = jsonPath[i];
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      if (jsonPath[i + 1] === "'") {
        let j = i + 2;
        let key = '';
        while (j < jsonPath.length) {
          if (jsonPath[j] === "'" && jsonPath[j + 1] === "'") {
            key += "'";
            j += 2;
          } else if (jsonPath[j] === "'") break;
          else key += jsonPath[j++];
        }
        out.push(key);
        i = j + 2;
      } else {
        const j = jsonPath.indexOf(']', i);
        out.push(Number(jsonPath.slice(i + 1, j < 0 ? undefined : j)));
        i = j < 0 ? jsonPath.length : j + 1;
      }
      continue;
    }
    let j = i;
    while (j < jsonPath.length && jsonPath[j] !== '.' && jsonPath[j] !== '[') j++;
    out.push(jsonPath.slice(i, j));
    i = j;
  }
  return out;
}

/** A document for an already-parsed object: JSON paths only, no line numbers. */
export function objectDocument(value: unknown, file?: string): ParsedDocument {
  return {
    value,
    ...(file ? { file } : {}),
    locate: (jsonPath) => ({ ...(file ? { file } : {}), jsonPath }),
  };
}

/** The part of `doc` at `prefix` (a nested template inside a template): paths are relative to it. */
export function subDocument(doc: ParsedDocument, prefix: string, value: unknown): ParsedDocument {
  const join = (p: string) => (p === '' ? prefix : p.startsWith('[') ? prefix + p : `${prefix}.${p}`);
  return {
    value,
    ...(doc.file ? { file: doc.file } : {}),
    locate: (jsonPath) => doc.locate(join(jsonPath)),
  };
}

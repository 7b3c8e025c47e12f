import { readFileSync } from 'node:fs';
import type { SourceLocation } from '../core/index.js';
import { parseJsonDocument, type ParsedDocument } from '../arm/index.js';

/** Where a finding points: a file, the JSON path in it (templates), a 1-based line and column. */
export interface LintLocation {
  file: string;
  jsonPath?: string;
  line: number;
  column: number;
  /** The Azure resource the place belongs to (the template's resource whose JSON path holds `jsonPath`)… */
  resourceId?: string;
  /** …and the JSON path inside that resource (`properties.value`). */
  resourcePath?: string;
}

/**
 * Maps what the deployed state knows (resource ids, policy element positions) back to the files the user wrote:
 * the template that declared each resource (`DeployResult.sources`), the JSON path of a property in it, and the
 * line:column of a policy element inside a policy string of a template.
 */
export class SourceMap {
  readonly #sources = new Map<string, SourceLocation>();
  /** Resource ids as the deployment wrote them, by lower-case id. */
  readonly #ids = new Map<string, string>();
  readonly #docs = new Map<string, { doc: ParsedDocument; text: string } | undefined>();

  /** Where each resource id was declared (a deployment's `sources`). */
  add(sources: Record<string, SourceLocation> | undefined): void {
    for (const [id, loc] of Object.entries(sources ?? {})) {
      this.#sources.set(id.toLowerCase(), loc);
      this.#ids.set(id.toLowerCase(), id);
    }
  }

  /**
   * The resource a template place belongs to: the declared resource of `file` whose JSON path is the longest prefix of
   * `jsonPath` (a resource of a nested template inside its deployment's), with the path inside it.
   */
  resourceAt(file: string, jsonPath: string): { id: string; path: string } | undefined {
    let best: { id: string; path: string; length: number } | undefined;
    for (const [id, loc] of this.#sources) {
      const at = loc.jsonPath;
      if (loc.file !== file || at === undefined || !(jsonPath === at || jsonPath.startsWith(`${at}.`) || jsonPath.startsWith(`${at}[`))) continue;
      if (!best || at.length > best.length) best = { id: this.#ids.get(id) ?? id, path: jsonPath.slice(at.length).replace(/^\./, ''), length: at.length };
    }
    return best && { id: best.id, path: best.path };
  }

  /** The declaration of a resource (undefined when no deployment of this lint declared it). */
  resource(id: string): SourceLocation | undefined {
    return this.#sources.get(id.toLowerCase());
  }

  #document(file: string): { doc: ParsedDocument; text: string } | undefined {
    if (!this.#docs.has(file)) {
      let entry: { doc: ParsedDocument; text: string } | undefined;
      try {
        const text = readFileSync(file, 'utf8');
        entry = { doc: parseJsonDocument(text, file), text };
      } catch {
        entry = undefined;
      }
      this.#docs.set(file, entry);
    }
    return this.#docs.get(file);
  }

  /**
   * The location of `relPath` (e.g. `properties.identityProviders.azureActiveDirectory.registration.clientId`) inside
   * the resource `id`, or of the deepest part of it the template writes (a setting left out points at its parent).
   */
  property(id: string, relPath: string): LintLocation | undefined {
    const at = this.resource(id);
    if (!at?.file || at.jsonPath === undefined) return at?.file ? { file: at.file, line: at.line ?? 1, column: at.column ?? 1 } : undefined;
    const entry = this.#document(at.file);
    const segments = relPath ? relPath.split('.') : [];
    for (let n = segments.length; n >= 0; n--) {
      const path = [at.jsonPath, ...segments.slice(0, n)].filter((s) => s !== '').join('.');
      const loc = entry?.doc.locate(path);
      if (loc?.line !== undefined) return { file: at.file, jsonPath: path, line: loc.line, column: loc.column ?? 1 };
    }
    return { file: at.file, jsonPath: at.jsonPath, line: at.line ?? 1, column: at.column ?? 1 };
  }

  /**
   * A policy element's position (`policy.file` = the policy resource id, line:column in its XML) in the template that
   * declared that policy: the element's own line:column in the template file when the template writes its start tag
   * literally — a literal policy string, or the string literals of an expression that builds it (`[concat('<policies>…',
   * parameters('x'), …)]`) — found as the same occurrence of `<name` in the template's string as in the deployed XML
   * (`xml`); else the policy string itself. A policy read from a file (a `-link`) keeps its own file and position.
   */
  policyElement(policy: SourceLocation, serviceId: string, element: string, xml: (resourceId: string) => string | undefined): LintLocation | undefined {
    const source = policy.file ?? '';
    const id = source.startsWith('/') ? source : source.startsWith('policyFragments/') ? `${serviceId}/${source}` : undefined;
    if (id === undefined) return source ? { file: source.replace(/^file:\/\//, ''), line: policy.line ?? 1, column: policy.column ?? 1 } : undefined;
    const value = this.property(id, 'properties.value');
    if (!value) return undefined;
    const deployed = xml(id);
    if (!value.jsonPath?.endsWith('properties.value') || policy.line === undefined || deployed === undefined) return value;
    const entry = this.#document(value.file);
    const k = occurrencesBefore(deployed, offsetOf(deployed, policy.line, policy.column ?? 1), element);
    const at = entry ? nthTagInString(entry.text, offsetOf(entry.text, value.line, value.column), element, k) : undefined;
    return at === undefined ? value : { ...value, ...positionOf(entry!.text, at) };
  }
}

/** The offset of a 1-based line:column in `text`. */
function offsetOf(text: string, line: number, column: number): number {
  let i = 0;
  for (let l = 1; l < line && i >= 0; l++) i = text.indexOf('\n', i) + 1 || -1;
  return i < 0 ? text.length : i + column - 1;
}

/** The 1-based line:column of an offset of `text`. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** Offsets of the start tags `<name` (not `<name-x`) in text[from, to). */
function* startTags(text: string, name: string, from: number, to: number): Generator<number> {
  const tag = `<${name}`;
  for (let i = text.indexOf(tag, from); i >= 0 && i < to; i = text.indexOf(tag, i + 1)) {
    if (!/[\w.:-]/.test(text[i + tag.length] ?? '')) yield i;
  }
}

function occurrencesBefore(xml: string, offset: number, name: string): number {
  let n = 0;
  for (const _ of startTags(xml, name, 0, offset)) n++;
  return n;
}

/** The k-th (0-based) start tag `<name` inside the JSON string whose opening quote is at `quote`, if there is one. */
function nthTagInString(text: string, quote: number, name: string, k: number): number | undefined {
  if (text[quote] !== '"') return undefined;
  let end = quote + 1;
  while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
  let n = 0;
  for (const at of startTags(text, name, quote + 1, end)) if (n++ === k) return at;
  return undefined;
}

import { readFileSync } from 'node:fs';
import type { SourceLocation } from '../core/index.js';
import { parseJsonDocument, type ParsedDocument } from '../arm/index.js';

/** Where a finding points: a file, the JSON path in it (templates), a 1-based line and column. */
export interface LintLocation {
  file: string;
  jsonPath?: string;
  line: number;
  column: number;
}

/**
 * Maps what the deployed state knows (resource ids, policy element positions) back to the files the user wrote:
 * the template that declared each resource (`DeployResult.sources`), the JSON path of a property in it, and the
 * line:column of a policy element inside a policy string of a template.
 */
export class SourceMap {
  readonly #sources = new Map<string, SourceLocation>();
  readonly #docs = new Map<string, { doc: ParsedDocument; text: string } | undefined>();

  /** Where each resource id was declared (a deployment's `sources`). */
  add(sources: Record<string, SourceLocation> | undefined): void {
    for (const [id, loc] of Object.entries(sources ?? {})) this.#sources.set(id.toLowerCase(), loc);
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
   * A policy element's position (`file` = the policy resource id, line:column in its XML) in the template that declared
   * that policy: the exact line:column inside `properties.value` when the template writes the XML as a literal string,
   * else the string itself (an expression builds the XML). A policy read from a file (a `-link`) keeps its own file.
   */
  policyElement(policy: SourceLocation, serviceId: string): LintLocation | undefined {
    const source = policy.file ?? '';
    const id = source.startsWith('/') ? source : source.startsWith('policyFragments/') ? `${serviceId}/${source}` : undefined;
    if (id === undefined) return source ? { file: source.replace(/^file:\/\//, ''), line: policy.line ?? 1, column: policy.column ?? 1 } : undefined;
    const value = this.property(id, 'properties.value');
    if (!value) return undefined;
    if (!value.jsonPath?.endsWith('properties.value') || policy.line === undefined) return value;
    const entry = this.#document(value.file);
    const exact = entry ? positionInString(entry.text, value.line, value.column, policy.line, policy.column ?? 1) : undefined;
    return exact ? { ...value, ...exact } : value;
  }
}

/**
 * The file position of (xmlLine, xmlColumn) of the text a JSON string literal holds, the literal's opening quote at
 * (line, column) of `text`; undefined when the string is an ARM expression (`[…]`, whose value is built) or too short.
 */
function positionInString(text: string, line: number, column: number, xmlLine: number, xmlColumn: number): { line: number; column: number } | undefined {
  let i = 0;
  for (let l = 1; l < line; l++) {
    i = text.indexOf('\n', i) + 1;
    if (i === 0) return undefined;
  }
  i += column - 1;
  if (text[i] !== '"') return undefined;
  i++;
  if (text[i] === '[' && text[i + 1] !== '[') return undefined;
  let fileLine = line;
  let fileColumn = column + 1;
  if (text[i] === '[') {
    // `[[` stands for a literal `[`
    i++;
    fileColumn++;
  }
  let l = 1;
  let c = 1;
  const at = () => ({ line: fileLine, column: fileColumn });
  while (i < text.length && text[i] !== '"') {
    if (l === xmlLine && c === xmlColumn) return at();
    let width = 1;
    let decoded = text[i]!;
    if (decoded === '\\') {
      const e = text[i + 1];
      width = e === 'u' ? 6 : 2;
      decoded = e === 'n' ? '\n' : e === 'u' ? String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16)) : e === 't' ? '\t' : e === 'r' ? '\r' : e ?? '';
    }
    if (decoded === '\n') {
      l++;
      c = 1;
    } else c++;
    if (text[i] === '\n') {
      fileLine++;
      fileColumn = 1;
    } else fileColumn += width;
    i += width;
  }
  return undefined;
}

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { armError } from '../errors.js';
import { ARM_LIMITS } from '../expressions/limits.js';
import { checkDocumentSize, parseJsonDocument } from './jsonc.js';
import type { ParsedDocument } from './jsonc.js';

/** Refuse a file above `max` bytes before reading it (a 50 MB template must not be read, let alone parsed). */
function checkFileSize(file: string, max: number, what: string, code: 'ERR_ARM_TEMPLATE_PARSE' | 'ERR_ARM_PARAMETERS_FILE_INVALID'): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw armError(code, `Unable to read ${what} file '${file}': ${(e as Error).message}`, { file });
  }
  checkDocumentSize(size, max, what, file);
}

const PARSED = new WeakMap<object, ParsedDocument>();

/** The parsed document of a template `loadTemplateFile` returned (parsed once), or a fresh parse of `{text, file}`. */
export function documentOf(loaded: { text: string; file?: string }): ParsedDocument {
  return PARSED.get(loaded) ?? parseJsonDocument(loaded.text, loaded.file);
}

/** Read a template file as text (parsed now, so that errors name lines early; the parse is kept for the deployment). */
export function loadTemplateFile(path: string): { text: string; file: string } {
  const file = resolve(path);
  checkFileSize(file, ARM_LIMITS.maxTemplateBytes, 'template', 'ERR_ARM_TEMPLATE_PARSE');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw armError('ERR_ARM_TEMPLATE_PARSE', `Unable to read template file '${file}': ${(e as Error).message}`, { file });
  }
  const loaded = { text, file };
  PARSED.set(loaded, parseJsonDocument(text, file)); // fail early with a location
  return loaded;
}

/** Read a parameters file; values are literal (no expression evaluation, no `[[` unescape). */
export function loadParametersFile(path: string): Record<string, unknown> {
  const file = resolve(path);
  checkFileSize(file, ARM_LIMITS.maxParametersBytes, 'parameters', 'ERR_ARM_PARAMETERS_FILE_INVALID');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw armError('ERR_ARM_PARAMETERS_FILE_INVALID', `Unable to read parameters file '${file}': ${(e as Error).message}`, { file });
  }
  const doc = parseJsonDocument(text, file, { maxBytes: ARM_LIMITS.maxParametersBytes, what: 'parameters' });
  if (doc.value === null || typeof doc.value !== 'object' || Array.isArray(doc.value)) {
    throw armError('ERR_ARM_PARAMETERS_FILE_INVALID', `The parameters file '${file}' must contain a JSON object.`, doc.locate(''));
  }
  return doc.value as Record<string, unknown>;
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { armError } from '../errors.js';
import { parseJsonDocument } from './jsonc.js';

/** Read a template file as text (parsed later, so that errors can name lines). */
export function loadTemplateFile(path: string): { text: string; file: string } {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw armError('ERR_ARM_TEMPLATE_PARSE', `Unable to read template file '${file}': ${(e as Error).message}`, { file });
  }
  parseJsonDocument(text, file); // fail early with a location
  return { text, file };
}

/** Read a parameters file; values are literal (no expression evaluation, no `[[` unescape). */
export function loadParametersFile(path: string): Record<string, unknown> {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw armError('ERR_ARM_PARAMETERS_FILE_INVALID', `Unable to read parameters file '${file}': ${(e as Error).message}`, { file });
  }
  const doc = parseJsonDocument(text, file);
  if (doc.value === null || typeof doc.value !== 'object' || Array.isArray(doc.value)) {
    throw armError('ERR_ARM_PARAMETERS_FILE_INVALID', `The parameters file '${file}' must contain a JSON object.`, doc.locate(''));
  }
  return doc.value as Record<string, unknown>;
}

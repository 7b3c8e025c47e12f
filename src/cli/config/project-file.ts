import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { TwinError, checkSchemaSubset, formatJsonPath, validateSchema, type Schema } from '../../core/index.js';
import type { PortSettings, TwinCompatFlags } from '../../runtime/index.js';

export const PROJECT_FILE = 'trustline.json';

/** `trustline.json` as written (schema/trustline.schema.json). */
export interface ProjectFile {
  deployments?: Array<string | { template: string; parameters?: string }>;
  tenant?: string;
  subscription?: string;
  resourceGroup?: string;
  location?: string;
  directory?: string[];
  imdsIdentities?: string[];
  backends?: Record<string, string>;
  state?: string;
  inMemory?: boolean;
  readyFile?: string;
  proxy?: boolean;
  auth?: boolean;
  strict?: boolean;
  siteDispatch?: 'in-process' | 'sockets';
  deploymentStepDelayMs?: number;
  ports?: PortSettings['pinned'] & { base?: number; sites?: PortSettings['sites']; apim?: PortSettings['apim'] };
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  loose?: boolean;
  compat?: TwinCompatFlags;
}

/** A loaded project file: its content with paths made absolute (relative to the file's folder). */
export interface LoadedProject {
  file: string;
  config: ProjectFile;
}

let schemaCache: Schema | undefined;

/** The published schema (schema/trustline.schema.json). */
export function projectSchema(): Schema {
  if (!schemaCache) {
    const schema = JSON.parse(readFileSync(new URL('../../../schema/trustline.schema.json', import.meta.url), 'utf8')) as Schema;
    checkSchemaSubset(schema);
    schemaCache = schema;
  }
  return schemaCache;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** Parse (JSON with comments) and validate a project file; paths become absolute. Throws ERR_CLI_CONFIG. */
export function loadProjectFile(file: string): LoadedProject {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new TwinError('ERR_CLI_CONFIG', `cannot read the project file ${abs}: ${(e as Error).message}`);
  }
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false }) as unknown;
  if (errors.length > 0) {
    const e = errors[0];
    const at = e ? lineColumn(text, e.offset) : { line: 1, column: 1 };
    throw new TwinError('ERR_CLI_CONFIG', `${abs}:${at.line}:${at.column}: not valid JSON (${e ? printParseErrorCode(e.error) : 'empty'})`, {
      location: { file: abs, line: at.line, column: at.column },
    });
  }
  const violations = validateSchema(value, projectSchema());
  if (violations.length > 0) {
    const lines = violations.slice(0, 10).map((v) => `  ${formatJsonPath(v.path)}: ${v.message}`);
    throw new TwinError('ERR_CLI_CONFIG', `${abs} does not match schema/trustline.schema.json:\n${lines.join('\n')}`, {
      location: { file: abs, jsonPath: formatJsonPath(violations[0]!.path) },
    });
  }
  const config = value as ProjectFile;
  const base = dirname(abs);
  const at = (p: string) => resolve(base, p);
  return {
    file: abs,
    config: {
      ...config,
      ...(config.deployments ? { deployments: config.deployments.map((d) => (typeof d === 'string' ? at(d) : { template: at(d.template), ...(d.parameters ? { parameters: at(d.parameters) } : {}) })) } : {}),
      ...(config.directory ? { directory: config.directory.map(at) } : {}),
      ...(config.state ? { state: at(config.state) } : {}),
      ...(config.readyFile ? { readyFile: at(config.readyFile) } : {}),
    },
  };
}

/** `trustline.json` of `cwd` when it exists (undefined otherwise), or the file `--config` names (which must exist). */
export function findProjectFile(cwd: string, explicit?: string): LoadedProject | undefined {
  if (explicit) return loadProjectFile(resolve(cwd, explicit));
  const file = resolve(cwd, PROJECT_FILE);
  return existsSync(file) ? loadProjectFile(file) : undefined;
}


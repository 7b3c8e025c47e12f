import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TwinError } from '../core/index.js';

export interface DeploymentFiles {
  template: string;
  parameters?: string;
}

const TEMPLATE_NAMES = ['azuredeploy.json', 'main.json', 'template.json'];
const PARAMETER_NAMES = ['azuredeploy.parameters.json', 'main.parameters.json', 'parameters.json'];

/**
 * A Bicep file where a JSON template or parameters file is expected: the twin reads what Bicep compiles to (ARM JSON,
 * as Azure receives it), so the answer says how to get it, not that line 1 is not JSON.
 */
export function refuseBicep(file: string, what = 'template'): void {
  const m = /\.(bicep|bicepparam)$/i.exec(file);
  if (!m) return;
  const command = m[1]!.toLowerCase() === 'bicep' ? `az bicep build --file ${file}` : `az bicep build-params --file ${file}`;
  throw new TwinError('ERR_CLI_INPUT', `${file} is Bicep: the twin reads the ARM JSON it compiles to, as Azure does. Compile it first (\`${command}\` writes the .json beside it) and give that ${what}`);
}

/** A folder → its template and parameters file (quickstart and Bicep naming). */
export function filesFromDirectory(dir: string): DeploymentFiles {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new TwinError('ERR_CLI_INPUT', `${dir} is not a folder (give a folder with azuredeploy.json, or --template)`);
  }
  const template = TEMPLATE_NAMES.map((n) => join(abs, n)).find((f) => existsSync(f));
  if (!template) {
    const bicep = existsSync(join(abs, 'main.bicep')) ? `; it holds main.bicep: compile it first (\`az bicep build --file ${join(dir, 'main.bicep')}\` writes main.json)` : '';
    throw new TwinError('ERR_CLI_INPUT', `${dir} holds none of ${TEMPLATE_NAMES.join(', ')}${bicep}`);
  }
  const parameters = PARAMETER_NAMES.map((n) => join(abs, n)).find((f) => existsSync(f));
  return { template, parameters };
}

/**
 * The parameters file a template's folder pairs with it (`X.parameters.json` beside `X.json`, or one of the quickstart
 * names), for a hint when a parameter has no value and no parameters file was given.
 */
export function parametersBeside(template: string): string | undefined {
  const abs = resolve(template);
  const own = abs.replace(/\.json$/i, '.parameters.json');
  return [own, ...PARAMETER_NAMES.map((n) => join(dirname(abs), n))].find((f) => f !== abs && existsSync(f));
}

/** Positional folders and --template/--parameters pairs, in order. */
export function collectInputs(dirs: string[], templates: string[], parameters: string[]): DeploymentFiles[] {
  const out = dirs.map(filesFromDirectory);
  templates.forEach((t, i) => {
    refuseBicep(t);
    if (!existsSync(t)) throw new TwinError('ERR_CLI_INPUT', `template ${t} does not exist`);
    const p = parameters[i];
    if (p !== undefined) refuseBicep(p, 'parameters file');
    if (p !== undefined && !existsSync(p)) throw new TwinError('ERR_CLI_INPUT', `parameters file ${p} does not exist`);
    out.push({ template: resolve(t), parameters: p === undefined ? undefined : resolve(p) });
  });
  if (parameters.length > templates.length) throw new TwinError('ERR_CLI_INPUT', 'each --parameters needs a --template before it');
  return out;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant a parameters object names (a `tenantId`/`tenantID`/`tenant` parameter holding a GUID). */
export function tenantFromParameters(parameters: Record<string, unknown> | undefined): string | undefined {
  const params = (parameters?.parameters ?? parameters) as Record<string, { value?: unknown }> | undefined;
  if (!params || typeof params !== 'object') return undefined;
  for (const [k, v] of Object.entries(params)) {
    if (/^tenant(id)?$/i.test(k) && typeof v?.value === 'string' && GUID.test(v.value)) return v.value;
  }
  return undefined;
}

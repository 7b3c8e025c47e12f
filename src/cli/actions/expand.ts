import { existsSync, statSync } from 'node:fs';
import { formatLocation, isTwinError, TwinError } from '../../core/index.js';
import { expandTemplate, stringifyArmJson } from '../../arm/index.js';
import type { ExpandResult } from '../../arm/index.js';
import type { CliContext } from '../context.js';
import { parametersBeside, refuseBicep } from '../inputs.js';
import { parseLinkRoots } from '../link-roots.js';
import { DEFAULT_LOCATION, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, DEFAULT_TENANT } from '../defaults.js';

export interface ExpandCommandOptions {
  parameters: string[];
  fillPlaceholders?: boolean;
  fillMissing?: boolean;
  loose?: boolean;
  json?: boolean;
  now?: string;
  seed?: string;
  linkRoot?: string[];
  prereq?: string;
  prereqParameters?: string[];
}

function parseNow(now: string | undefined): number | undefined {
  if (now === undefined) return undefined;
  const ms = Date.parse(now);
  if (Number.isNaN(ms)) throw new TwinError('ERR_CLI_INPUT', `--now takes an ISO 8601 date and time, got '${now}'`);
  return ms;
}

function parseSeed(seed: string | undefined): number | undefined {
  if (seed === undefined) return undefined;
  if (!/^\d+$/.test(seed)) throw new TwinError('ERR_CLI_INPUT', `--seed takes a non-negative integer, got '${seed}'`);
  return Number(seed) >>> 0;
}

function textLines(r: ExpandResult): string[] {
  const lines: string[] = [];
  for (const res of r.resources) {
    lines.push(`${res.id}  (${res.type}${res.apiVersion ? ` @ ${res.apiVersion}` : ''}; deployment ${res.deployment})`);
    if (res.dependsOn && res.dependsOn.length > 0) lines.push(`    dependsOn: ${res.dependsOn.join(', ')}`);
  }
  lines.push(`${r.resources.length} resource(s)`);
  const outputs = Object.entries(r.outputs);
  if (outputs.length > 0) {
    lines.push('outputs:');
    for (const [k, v] of outputs) lines.push(`  ${k}: ${stringifyArmJson(v)}`);
  }
  return lines;
}

/** `trustline expand TEMPLATE`: exit 0 when every expression expanded, 1 when not (errors, or loose-mode gaps). */
export function expandCommand(template: string, o: ExpandCommandOptions, ctx: CliContext): number {
  const now = parseNow(o.now);
  const seed = parseSeed(o.seed);
  const linkRoots = parseLinkRoots(o.linkRoot);
  refuseBicep(template);
  for (const f of o.parameters) refuseBicep(f, 'parameters file');
  if (o.prereq !== undefined) refuseBicep(o.prereq);
  if ((o.prereqParameters ?? []).length > 0 && o.prereq === undefined) throw new TwinError('ERR_CLI_INPUT', '--prereq-parameters needs --prereq TEMPLATE');
  for (const f of [...(o.prereq !== undefined ? [o.prereq] : []), ...(o.prereqParameters ?? [])]) {
    if (!existsSync(f) || !statSync(f).isFile()) throw new TwinError('ERR_CLI_INPUT', `--prereq: '${f}' is not a file`);
  }
  // A file the command line names that is not there is a usage error (exit 2), as for up, deploy and lint.
  if (!existsSync(template) || !statSync(template).isFile()) throw new TwinError('ERR_CLI_INPUT', `template ${template} does not exist`);
  for (const f of o.parameters) if (!existsSync(f) || !statSync(f).isFile()) throw new TwinError('ERR_CLI_INPUT', `parameters file ${f} does not exist`);
  let result: ExpandResult;
  try {
    result = expandTemplate({
      templateFile: template,
      parameterFiles: o.parameters,
      fillPlaceholders: o.fillPlaceholders ?? false,
      fillMissing: o.fillMissing ?? false,
      loose: o.loose ?? false,
      ...(now !== undefined ? { now } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(linkRoots.length > 0 ? { linkRoots } : {}),
      ...(o.prereq !== undefined ? { prerequisite: { templateFile: o.prereq, parameterFiles: o.prereqParameters ?? [] } } : {}),
      scope: { subscriptionId: DEFAULT_SUBSCRIPTION, resourceGroup: DEFAULT_RESOURCE_GROUP, tenantId: DEFAULT_TENANT, location: DEFAULT_LOCATION },
    });
  } catch (e) {
    if (!isTwinError(e)) throw e;
    const where = e.location ? formatLocation(e.location) : '';
    if (o.json) ctx.out(JSON.stringify({ error: { code: e.code, message: e.message, location: e.location ?? null } }, null, 2));
    else ctx.err(`${where ? where + ': ' : ''}${e.code}: ${e.message}`);
    const beside = e.code === 'ERR_ARM_PARAMETER_MISSING' && o.parameters.length === 0 ? parametersBeside(template) : undefined;
    if (beside && !o.json) ctx.err(`hint: no --parameters given; ${beside} is beside the template: --parameters ${beside}`);
    return 1;
  }
  for (const w of result.warnings) ctx.err(`warning: ${w}`);
  if (o.json) ctx.out(stringifyArmJson({ resources: result.resources, outputs: result.outputs }, 2));
  else for (const l of textLines(result)) ctx.out(l);
  return result.unexpanded.length === 0 ? 0 : 1;
}

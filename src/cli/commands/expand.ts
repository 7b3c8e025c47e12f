import { formatLocation, isTwinError, TwinError } from '../../core/index.js';
import { expandTemplate, stringifyArmJson } from '../../arm/index.js';
import type { ExpandResult } from '../../arm/index.js';
import { collect, jsonOption, type CliContext, type RegisterCommand } from '../context.js';
import { DEFAULT_LOCATION, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, DEFAULT_TENANT } from '../defaults.js';

export interface ExpandCommandOptions {
  parameters: string[];
  fillPlaceholders?: boolean;
  fillMissing?: boolean;
  loose?: boolean;
  json?: boolean;
  now?: string;
  seed?: string;
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
      scope: { subscriptionId: DEFAULT_SUBSCRIPTION, resourceGroup: DEFAULT_RESOURCE_GROUP, tenantId: DEFAULT_TENANT, location: DEFAULT_LOCATION },
    });
  } catch (e) {
    if (!isTwinError(e)) throw e;
    const where = e.location ? formatLocation(e.location) : '';
    if (o.json) ctx.out(JSON.stringify({ error: { code: e.code, message: e.message, location: e.location ?? null } }, null, 2));
    else ctx.err(`${where ? where + ': ' : ''}${e.code}: ${e.message}`);
    return 1;
  }
  for (const w of result.warnings) ctx.err(`warning: ${w}`);
  if (o.json) ctx.out(stringifyArmJson({ resources: result.resources, outputs: result.outputs }, 2));
  else for (const l of textLines(result)) ctx.out(l);
  return result.unexpanded.length === 0 ? 0 : 1;
}

export const registerExpand: RegisterCommand = (program, ctx) => {
  program
    .command('expand')
    .description('expand an ARM template: every expression evaluated, resources in deployment order (nested deployments included), outputs')
    .argument('<template>', 'the ARM template (JSON or JSONC)')
    .option('--parameters <file>', 'a parameters file (repeatable; a later file wins)', collect, [])
    .option('--fill-placeholders', 'fill the quickstart CI placeholders (GEN-UNIQUE, GEN-PASSWORD, …, GET-PREREQ-*, Key Vault references)')
    .option('--fill-missing', 'give every required parameter without a value a valid value for its type and constraints')
    .option('--loose', 'unknown functions and unsupported list*() evaluate to null with a warning (exit 1 all the same)')
    .option('--now <iso>', 'the time utcNow() answers (default 2026-01-01T00:00:00Z)')
    .option('--seed <n>', 'the seed of newGuid(), minted ids and filled values (default 0)')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nOutput: one line per resource in deployment order (id, type @ apiVersion, its deployment; dependsOn ids), then the outputs; warnings on stderr.\n--json prints {"resources": [{"id", "type", "name", "apiVersion", "location", "properties", …, "dependsOn": [ids], "deployment"}], "outputs": {name: value}}; an error prints {"error": {code, message, location}}.\nExit 0 when every expression expanded, 1 when not.',
    )
    .action((template: string, o: ExpandCommandOptions) => {
      ctx.exit(expandCommand(template, o, ctx));
    });
};

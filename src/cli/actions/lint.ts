import { relative, isAbsolute } from 'node:path';
import { createLogger, randomIds, systemClock, TwinError } from '../../core/index.js';
import { lintDeployments, toSarif, type Finding } from '../../lint/index.js';
import type { CliContext } from '../context.js';
import { mergeUpConfig } from '../config/up-config.js';
import { startupInputs } from '../startup-inputs.js';

export interface LintCommandOptions {
  template: string[];
  parameters: string[];
  directory: string[];
  linkRoot: string[];
  tenant?: string;
  loose?: boolean;
  strict?: boolean;
  json?: boolean;
  sarif?: boolean;
}

/**
 * `trustline lint`: the inputs `trustline up` would deploy (flags, else trustline.json's deployments; its subscription,
 * resource group, location and compat flags too), linted. Exit 0 when no finding has level error, 1 when one has.
 */
export async function lintCommand(dirs: string[], o: LintCommandOptions, ctx: CliContext): Promise<number> {
  const config = mergeUpConfig(
    {
      dirs, template: o.template, parameters: o.parameters, backend: [], directory: o.directory, imdsIdentity: [], linkRoot: o.linkRoot,
      ...(o.tenant !== undefined ? { tenant: o.tenant } : {}), ...(o.loose ? { loose: true } : {}), ...(o.strict ? { strict: true } : {}),
    },
    ctx.project(),
    ctx.cwd,
  );
  if (config.deployments.length === 0) throw new TwinError('ERR_CLI_INPUT', 'give a folder with azuredeploy.json, or --template (and --parameters), or "deployments" in trustline.json');
  const { inputs, tenantId } = startupInputs(config.deployments, config.tenant);
  const result = await lintDeployments({
    deployments: inputs,
    directories: config.directory,
    tenantId,
    subscriptionId: config.subscription,
    resourceGroup: config.resourceGroup,
    location: config.location,
    loose: config.loose,
    strict: config.strict,
    linkRoots: config.linkRoots,
    compat: config.compat,
    clock: systemClock,
    ids: randomIds,
    logger: createLogger({ level: 'error' }),
  });
  for (const w of result.warnings) ctx.err(`warning: ${w}`);
  const rel = (file: string) => (isAbsolute(file) ? relative(ctx.cwd, file).split('\\').join('/') : file);
  const findings: Finding[] = result.findings.map((f) => ({ ...f, locations: f.locations.map((l) => ({ ...l, file: rel(l.file) })) }));
  if (o.sarif) ctx.out(JSON.stringify(toSarif(findings), null, 2));
  else if (o.json) ctx.out(JSON.stringify({ findings }, null, 2));
  else {
    for (const f of findings) {
      ctx.out(`${f.level} ${f.rule}: ${f.message}`);
      for (const l of f.locations) ctx.out(`    at ${l.file}:${l.line}:${l.column}${l.jsonPath ? ` (${l.jsonPath})` : ''}`);
    }
    const errors = findings.filter((f) => f.level === 'error').length;
    ctx.out(findings.length === 0 ? 'no findings: the chain holds' : `${errors} error(s), ${findings.length - errors} warning(s)/note(s)`);
  }
  return findings.some((f) => f.level === 'error') ? 1 : 0;
}

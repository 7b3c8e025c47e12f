import { relative, isAbsolute, basename } from 'node:path';
import { createLogger, randomIds, systemClock } from '../../core/index.js';
import { loadParametersFile, loadTemplateFile, type DeployInput } from '../../arm/index.js';
import { lintDeployments, type Finding } from '../../lint/index.js';
import type { CliContext } from '../context.js';
import { collectInputs, tenantFromParameters } from '../inputs.js';
import { parseLinkRoots } from '../link-roots.js';
import { DEFAULT_LOCATION, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, DEFAULT_TENANT } from '../defaults.js';
import { TwinError } from '../../core/index.js';
import { toSarif } from '../../lint/index.js';

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

/** `trustline lint`: exit 0 when no finding has level error, 1 when one has. */
export async function lintCommand(dirs: string[], o: LintCommandOptions, ctx: CliContext): Promise<number> {
  const files = collectInputs(dirs, o.template, o.parameters);
  if (files.length === 0) throw new TwinError('ERR_CLI_INPUT', 'give a folder with azuredeploy.json, or --template (and --parameters)');
  const linkRoots = parseLinkRoots(o.linkRoot, ctx.cwd);
  const loaded = files.map((f) => ({ template: loadTemplateFile(f.template), parameters: f.parameters ? loadParametersFile(f.parameters) : undefined }));
  const deployments: DeployInput[] = loaded.map((l, i) => ({ deploymentName: `${basename(files[i]!.template, '.json')}-${i + 1}`, template: l.template, ...(l.parameters ? { parameters: l.parameters } : {}) }));
  const tenantId = o.tenant ?? loaded.map((l) => tenantFromParameters(l.parameters)).find(Boolean) ?? DEFAULT_TENANT;
  const result = await lintDeployments({
    deployments,
    directories: o.directory,
    tenantId,
    subscriptionId: DEFAULT_SUBSCRIPTION,
    resourceGroup: DEFAULT_RESOURCE_GROUP,
    location: DEFAULT_LOCATION,
    ...(o.loose ? { loose: true } : {}),
    ...(o.strict ? { strict: true } : {}),
    ...(linkRoots.length > 0 ? { linkRoots } : {}),
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
      const at = f.locations.map((l) => `${l.file}:${l.line}:${l.column}${l.jsonPath ? ` (${l.jsonPath})` : ''}`);
      ctx.out(`${f.level} ${f.rule}: ${f.message}`);
      for (const a of at) ctx.out(`    at ${a}`);
    }
    const errors = findings.filter((f) => f.level === 'error').length;
    ctx.out(findings.length === 0 ? 'no findings: the chain holds' : `${errors} error(s), ${findings.length - errors} warning(s)/note(s)`);
  }
  return findings.some((f) => f.level === 'error') ? 1 : 0;
}

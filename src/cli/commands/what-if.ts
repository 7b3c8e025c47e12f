import { basename } from 'node:path';
import { DEPLOY_API_VERSION, deploymentTarget, forEachDeployment, printArmFailure, type DeployCommandOptions } from './deploy.js';
import { formatWhatIf, type WhatIfResourceChange } from '../what-if-format.js';
import { Option } from 'commander';
import { collect, jsonOption, readyFileOption, type RegisterCommand } from '../context.js';

export interface WhatIfCommandOptions extends DeployCommandOptions {
  json?: boolean;
}

/**
 * `trustline what-if`: ask the running twin's control plane what a deployment would change (ARM's
 * `POST …/deployments/{name}/whatIf`, polled through `Location`) and print it as `az deployment group what-if`
 * does, or ARM's JSON with `--json`. Nothing is deployed.
 */
export async function whatIfCommand(opts: WhatIfCommandOptions, out: (l: string) => void): Promise<number> {
  return forEachDeployment(opts, async (client, { template, index, files }) => {
    const name = opts.name ?? `${basename(template, '.json')}-whatif-${index}`;
    const target = await deploymentTarget(client, files.template);
    const first = await client.send('POST', `${target.path}/${encodeURIComponent(name)}/whatIf?api-version=${DEPLOY_API_VERSION}`, {
      ...target.body,
      properties: { mode: opts.mode ?? 'Incremental', template: files.template, parameters: files.parameters },
    });
    const res = await client.poll(first);
    const body = res.body as { status?: string; properties?: { changes?: WhatIfResourceChange[] } } | undefined;
    const ok = res.status === 200 && body?.status === 'Succeeded';
    if (opts.json) out(JSON.stringify(body ?? null, null, 2));
    else if (ok) out(formatWhatIf(body.properties?.changes ?? []));
    else printArmFailure(out, `what-if of ${template} failed (${res.status}):`, body, files);
    return ok;
  });
}

export const registerWhatIf: RegisterCommand = (program, ctx) => {
  program
    .command('what-if')
    .description('show what a deployment would change in the running twin, as `az deployment group what-if` does')
    .argument('[dir...]', 'folders holding azuredeploy.json (+ azuredeploy.parameters.json)')
    .option('--template <file>', 'an ARM template (repeatable)', collect, [])
    .option('--parameters <file>', 'the parameters file for the --template before it (repeatable)', collect, [])
    .addOption(new Option('--mode <mode>', 'deployment mode').choices(['Incremental', 'Complete']).default('Incremental'))
    .option('--name <name>', 'deployment name')
    .addOption(jsonOption())
    .addOption(readyFileOption())
    .addHelpText('after', "\nOutput: az deployment group what-if's text (or ARM's JSON with --json); nothing is deployed; exit 1 when the what-if failed.")
    .action(async (dirs: string[], o) => {
      ctx.exit(await whatIfCommand({ dirs, template: o.template, parameters: o.parameters, readyFile: o.readyFile, mode: o.mode, name: o.name, json: o.json }, ctx.out));
    });
};

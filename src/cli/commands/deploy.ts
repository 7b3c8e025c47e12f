import { basename } from 'node:path';
import { formatLocation } from '../../core/index.js';
import { loadParametersFile, loadTemplateFile, parseJsonDocument } from '../../arm/index.js';
import { readReadyFile } from '../ready-file.js';
import { collectInputs } from '../inputs.js';
import { ArmClient, armErrorOf, describeArmError } from '../arm-client.js';
import { controlPlaneToken } from '../control-plane-token.js';
import { Option } from 'commander';
import { collect, readyFileOption, type RegisterCommand } from '../context.js';

export interface DeployCommandOptions {
  dirs: string[];
  template: string[];
  parameters: string[];
  readyFile: string;
  mode?: string;
  name?: string;
}

export const DEPLOY_API_VERSION = '2021-04-01';

/** One deployment input read exactly as `trustline up` reads it (JSONC, raw control characters kept), with its locator. */
export function loadDeploymentFiles(template: string, parameters: string | undefined) {
  const loaded = loadTemplateFile(template);
  const doc = parseJsonDocument(loaded.text, loaded.file);
  const params = parameters ? loadParametersFile(parameters) : {};
  const locate = (jsonPath: string) => {
    const where = formatLocation(doc.locate(jsonPath));
    return where || undefined;
  };
  return { template: doc.value, parameters: ((params as { parameters?: unknown }).parameters ?? params) as Record<string, unknown>, locate };
}

/** `trustline deploy`: PUT a deployment to the running twin's control plane (ARM REST) and wait for it. */
export async function deployCommand(opts: DeployCommandOptions, out: (l: string) => void): Promise<number> {
  const ready = readReadyFile(opts.readyFile);
  const inputs = collectInputs(opts.dirs, opts.template, opts.parameters);
  const client = new ArmClient(ready, controlPlaneToken(ready));
  let failures = 0;
  try {
    for (const [i, f] of inputs.entries()) {
      const name = opts.name ?? `${basename(f.template, '.json')}-${Date.now()}-${i}`;
      const files = loadDeploymentFiles(f.template, f.parameters);
      const path = `${client.deploymentsPath}/${encodeURIComponent(name)}?api-version=${DEPLOY_API_VERSION}`;
      const put = await client.send('PUT', path, { properties: { mode: opts.mode ?? 'Incremental', template: files.template, parameters: files.parameters } });
      let final = put;
      if (put.status === 200 || put.status === 201) {
        const state = (put.body as { properties?: { provisioningState?: string } }).properties?.provisioningState;
        if (state !== 'Succeeded' && state !== 'Failed' && state !== 'Canceled') final = await client.send('GET', path);
      }
      const state = (final.body as { properties?: { provisioningState?: string } } | undefined)?.properties?.provisioningState;
      if (final.status >= 200 && final.status < 300 && state === 'Succeeded') {
        out(`deployed ${f.template} as ${name}`);
        continue;
      }
      failures += 1;
      const error = armErrorOf(final.body);
      out(`deployment ${name} of ${f.template} failed (${final.status}${state ? `, ${state}` : ''}):`);
      for (const line of error ? describeArmError(error, files.locate, '  ') : [`  ${JSON.stringify(final.body)}`]) out(line);
    }
  } finally {
    await client.close();
  }
  return failures === 0 ? 0 : 1;
}

export const registerDeploy: RegisterCommand = (program, ctx) => {
  program
    .command('deploy')
    .description('deploy ARM templates into the running twin (ARM REST PUT deployments)')
    .argument('[dir...]', 'folders holding azuredeploy.json (+ azuredeploy.parameters.json)')
    .option('--template <file>', 'an ARM template (repeatable)', collect, [])
    .option('--parameters <file>', 'the parameters file for the --template before it (repeatable)', collect, [])
    .addOption(new Option('--mode <mode>', 'deployment mode').choices(['Incremental', 'Complete']).default('Incremental'))
    .option('--name <name>', 'deployment name')
    .addOption(readyFileOption())
    .addHelpText('after', '\nOutput: one line per deployment (deployed, or the ARM error body); exit 1 when one failed.')
    .action(async (dirs: string[], o) => {
      ctx.exit(await deployCommand({ dirs, template: o.template, parameters: o.parameters, readyFile: o.readyFile, mode: o.mode, name: o.name }, ctx.out));
    });
};

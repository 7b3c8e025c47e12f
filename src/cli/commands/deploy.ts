import { Option } from 'commander';
import { collect, jsonOption, readyFileOption, type RegisterCommand } from '../context.js';

export const registerDeploy: RegisterCommand = (program, ctx) => {
  program
    .command('deploy')
    .description('deploy ARM templates into the running twin (ARM REST PUT deployments)')
    .argument('[dir...]', 'folders holding azuredeploy.json (+ azuredeploy.parameters.json)')
    .option('--template <file>', 'an ARM template (repeatable)', collect, [])
    .option('--parameters <file>', 'the parameters file for the --template before it (repeatable)', collect, [])
    .addOption(new Option('--mode <mode>', 'deployment mode').choices(['Incremental', 'Complete']).default('Incremental'))
    .option('--name <name>', 'deployment name (default: the template file name and a suffix; with several inputs, NAME-0, NAME-1, …)')
    .addOption(jsonOption())
    .addOption(readyFileOption())
    .addHelpText(
      'after',
      '\nOutput: one line per deployment (deployed, or the ARM error with file:line:column); --json: each deployment as ARM\n' +
        'answers it (as `az deployment group create -o json`: {id, name, properties: {provisioningState, outputs, error?}}),\n' +
        'one document per deployment. Exit 1 when one failed.',
    )
    .action(async (dirs: string[], o) => {
      const { deployCommand } = await import('../actions/deployments.js');
      ctx.exit(await deployCommand({ dirs, template: o.template, parameters: o.parameters, readyFile: o.readyFile, mode: o.mode, name: o.name, json: o.json }, ctx.out));
    });
};

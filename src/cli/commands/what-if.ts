import { Option } from 'commander';
import { collect, jsonOption, readyFileOption, type RegisterCommand } from '../context.js';

export const registerWhatIf: RegisterCommand = (program, ctx) => {
  program
    .command('what-if')
    .description('show what a deployment would change in the running twin, as `az deployment group what-if` does')
    .argument('[dir...]', 'folders holding azuredeploy.json (+ azuredeploy.parameters.json)')
    .option('--template <file>', 'an ARM template (repeatable)', collect, [])
    .option('--parameters <file>', 'the parameters file for the --template before it (repeatable)', collect, [])
    .addOption(new Option('--mode <mode>', 'deployment mode').choices(['Incremental', 'Complete']).default('Incremental'))
    .option('--name <name>', 'deployment name (default: the template file name and a suffix; with several inputs, NAME-0, NAME-1, …)')
    .addOption(jsonOption())
    .addOption(readyFileOption())
    .addHelpText('after', "\nOutput: az deployment group what-if's text (or ARM's JSON with --json); nothing is deployed; exit 1 when the what-if failed.")
    .action(async (dirs: string[], o) => {
      const { whatIfCommand } = await import('../actions/deployments.js');
      ctx.exit(await whatIfCommand({ dirs, template: o.template, parameters: o.parameters, readyFile: o.readyFile, mode: o.mode, name: o.name, json: o.json }, ctx.out));
    });
};

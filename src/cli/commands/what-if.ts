import { deploymentOptions, type RegisterCommand } from '../context.js';

export const registerWhatIf: RegisterCommand = (program, ctx) => {
  deploymentOptions(program.command('what-if').description('show what a deployment would change in the running twin, as `az deployment group what-if` does'))
    .addHelpText('after', "\nOutput: az deployment group what-if's text (or ARM's JSON with --json); nothing is deployed; exit 1 when the what-if failed.")
    .action(async (dirs: string[], o) => {
      const { whatIfCommand } = await import('../actions/deployments.js');
      ctx.exit(await whatIfCommand({ dirs, template: o.template, parameters: o.parameters, readyFile: o.readyFile, mode: o.mode, name: o.name, json: o.json }, ctx.out));
    });
};

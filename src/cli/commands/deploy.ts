import { deploymentOptions, type RegisterCommand } from '../context.js';

export const registerDeploy: RegisterCommand = (program, ctx) => {
  deploymentOptions(program.command('deploy').description('deploy ARM templates into the running twin (ARM REST PUT deployments)'))
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

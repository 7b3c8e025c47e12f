import { collect, jsonOption, type RegisterCommand } from '../context.js';
import type { ExpandCommandOptions } from '../actions/expand.js';

export const registerExpand: RegisterCommand = (program, ctx) => {
  program
    .command('expand')
    .description('expand an ARM template: every expression evaluated, resources in deployment order (nested deployments included), outputs')
    .argument('<template>', 'the ARM template (JSON or JSONC)')
    .option('--parameters <file>', 'a parameters file (repeatable; a later file wins)', collect, [])
    .option('--fill-placeholders', 'fill the quickstart CI placeholders (GEN-UNIQUE, GEN-PASSWORD, …, GET-PREREQ-*, Key Vault references) and the azd ${NAME} references of parameters files from the environment')
    .option('--fill-missing', 'give every required parameter without a value a valid value for its type and constraints')
    .option('--loose', 'unknown functions and unsupported list*() evaluate to null with a warning (exit 1 all the same)')
    .option('--now <iso>', 'the time utcNow() answers (default 2026-01-01T00:00:00Z)')
    .option('--seed <n>', 'the seed of newGuid(), minted ids and filled values (default 0)')
    .option('--prereq <template>', 'expand this template first into the same empty twin (the quickstart CI\'s prereqs/prereq.azuredeploy.json): its resources exist, and with --fill-placeholders its outputs fill GET-PREREQ-<output>')
    .option('--prereq-parameters <file>', 'a parameters file of the --prereq template (repeatable)', collect, [])
    .option('--link-root <prefix=dir>', 'read linked templates whose templateLink.uri starts with PREFIX from the folder DIR (an offline mirror; repeatable)', collect, [])
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nOutput: one line per resource in deployment order (id, type @ apiVersion, its deployment; dependsOn ids), then the outputs; warnings on stderr.\n--json prints {"resources": [{"id", "type", "name", "apiVersion", "location", "properties", …, "dependsOn": [ids], "deployment"}], "outputs": {name: value}}; an error prints {"error": {code, message, location}}.\nWith --link-root PREFIX=DIR, a linked template at PREFIX + PATH is read from DIR/PATH (the twin never goes online); a link below no root is an error that names the URI.\nExit 0 when every expression expanded, 1 when not.',
    )
    .action(async (template: string, o: ExpandCommandOptions) => {
      const { expandCommand } = await import('../actions/expand.js');
      ctx.exit(expandCommand(template, o, ctx));
    });
};

import { Option } from 'commander';
import { collect, type RegisterCommand } from '../context.js';
import type { LintCommandOptions } from '../actions/lint.js';

export const registerLint: RegisterCommand = (program, ctx) => {
  program
    .command('lint')
    .description('check the chain before deploying: deploy the inputs as `trustline up` would into a twin without listeners, then check that each APIM API\'s managed identity token is accepted by the site it calls (docs/lint.md)')
    .argument('[dir...]', 'folders holding azuredeploy.json (+ azuredeploy.parameters.json); replace trustline.json "deployments"')
    .option('--template <file>', 'an ARM template (repeatable)', collect, [])
    .option('--parameters <file>', 'the parameters file for the --template before it (repeatable)', collect, [])
    .option('--directory <file>', 'a directory file applied after the deployments (repeatable)', collect, [])
    .option('--link-root <prefix=dir>', 'read http(s) links starting with PREFIX from the folder DIR (an offline mirror; repeatable)', collect, [])
    .option('--tenant <id>', 'tenant id (default: a tenantId parameter, else a fixed local tenant)')
    .option('--loose', 'store or skip unsupported functions, types and policy elements with a warning')
    .option('--strict', 'refuse resource types the twin would only store, not simulate')
    .addOption(new Option('--json', 'print {"findings": [{rule, level, message, locations: [{file, jsonPath, line, column}]}]}').conflicts('sarif'))
    .addOption(new Option('--sarif', 'print SARIF 2.1.0 (GitHub code scanning)').conflicts('json'))
    .addHelpText(
      'after',
      '\nOutput: one block per finding (errors first): "<level> <rule>: <message>" and "at FILE:LINE:COLUMN (JSON path)" for each\n' +
        'place to change (the policy element, the authsettingsV2 setting), then a count. --json prints {"findings": [{"rule",\n' +
        '"level", "message", "locations": [{"file", "jsonPath", "line", "column"}]}]}; --sarif a SARIF 2.1.0 log (one run, the\n' +
        'rule table, one result per finding). Rules and the Azure behaviour each relies on: docs/lint.md. trustline.json\n' +
        '(or --config FILE) gives the deployments, subscription, resource group, location and compat flags, as for `up`. File paths are\n' +
        'relative to the working folder. Exit 0 when no finding has level error, 1 when one has (a deployment Azure would\n' +
        'refuse is one), 2 on a usage error.',
    )
    .action(async (dirs: string[], o: LintCommandOptions) => {
      const { lintCommand } = await import('../actions/lint.js');
      ctx.exit(await lintCommand(dirs, o, ctx));
    });
};

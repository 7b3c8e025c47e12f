import { Command, CommanderError, Option } from 'commander';
import { describeError, isTwinError } from '../core/index.js';
import { up } from './commands/up.js';
import { token } from './commands/token.js';
import { test } from './commands/test.js';
import { deployCommand } from './commands/deploy.js';
import { DEFAULT_STATE_DIR } from './defaults.js';
import { join } from 'node:path';

const collect = (value: string, previous: string[]) => [...previous, value];
const out = (l: string) => process.stdout.write(l + '\n');
const defaultReadyFile = join(DEFAULT_STATE_DIR, 'ready.json');

/** Runs the CLI; resolves to the exit code (0 ok, 1 check or deployment failed, 2 usage error). */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('trustline')
    .description('A local, offline twin of APIM (managed identity) → Entra ID → Easy Auth → Azure Functions')
    .exitOverride()
    .showHelpAfterError();

  program
    .command('up')
    .description('deploy ARM templates into a fresh twin and serve it until stopped')
    .argument('[dir...]', 'folders holding azuredeploy.json (+ azuredeploy.parameters.json)')
    .option('--template <file>', 'an ARM template (repeatable)', collect, [])
    .option('--parameters <file>', 'the parameters file for the --template before it (repeatable)', collect, [])
    .option('--in-memory', 'keep resources in memory only')
    .option('--state <dir>', 'state folder (SQLite database, local CA)', DEFAULT_STATE_DIR)
    .option('--port <n>', 'control-plane https port', (v) => Number.parseInt(v, 10))
    .option('--ready-file <file>', 'where to write the ready file (default <state>/ready.json)')
    .option('--backend <site=url>', "put a user's own function host behind a site (repeatable)", collect, [])
    .option('--directory <file>', 'a directory file (app registrations, users, groups, app role assignments; schema/directory.schema.json), repeatable', collect, [])
    .option('--imds-identity <name>', 'a managed identity IMDS hands out (resource or identity name, client id); default none (repeatable)', collect, [])
    .option('--tenant <id>', 'tenant id (default: a tenantId parameter, else a fixed local tenant)')
    .option('--loose', 'store or skip unsupported functions, types and policy elements with a warning')
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .action(async (dirs: string[], o) => {
      const r = await up({ dirs, template: o.template, parameters: o.parameters, inMemory: o.inMemory, state: o.state, port: o.port, readyFile: o.readyFile, backend: o.backend, directory: o.directory, imdsIdentity: o.imdsIdentity, tenant: o.tenant, loose: o.loose, logLevel: o.logLevel, out });
      code = r.code;
    });

  program
    .command('deploy')
    .description('deploy ARM templates into the running twin (ARM REST PUT deployments)')
    .argument('[dir...]', 'folders holding azuredeploy.json (+ azuredeploy.parameters.json)')
    .option('--template <file>', 'an ARM template (repeatable)', collect, [])
    .option('--parameters <file>', 'the parameters file for the --template before it (repeatable)', collect, [])
    .addOption(new Option('--mode <mode>', 'deployment mode').choices(['Incremental', 'Complete']).default('Incremental'))
    .option('--name <name>', 'deployment name')
    .option('--ready-file <file>', 'the running twin', defaultReadyFile)
    .action(async (dirs: string[], o) => {
      code = await deployCommand({ dirs, template: o.template, parameters: o.parameters, readyFile: o.readyFile, mode: o.mode, name: o.name }, out);
    });

  program
    .command('token')
    .description('print an access token from the running twin, as a managed identity gets it in Azure')
    .requiredOption('--resource <resource>', 'the resource (audience): an app id GUID, api://… or a resource URL')
    .option('--identity <name|clientId>', 'APIM service name (its system-assigned identity) or a client id')
    .option('--ready-file <file>', 'the running twin', defaultReadyFile)
    .action(async (o) => {
      code = await token({ resource: o.resource, identity: o.identity, readyFile: o.readyFile }, out);
    });

  program
    .command('test')
    .description("run the seed's check against the running twin")
    .option('--ready-file <file>', 'the running twin', defaultReadyFile)
    .action(async (o) => {
      code = await test({ readyFile: o.readyFile }, out);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : 2;
    }
    process.stderr.write(`trustline: ${describeError(e)}\n`);
    return isTwinError(e) && e.code.startsWith('ERR_CLI') ? 2 : 1;
  }
  return code;
}

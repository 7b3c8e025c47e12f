import { InvalidArgumentError, Option, type Command } from 'commander';
import { collect, type RegisterCommand } from '../context.js';
import { mergeUpConfig } from '../config/up-config.js';
import { DEFAULT_PORT_BASE, DEFAULT_STATE_DIR, PROXY_PORT_OFFSET } from '../defaults.js';

export const registerUp: RegisterCommand = (program, ctx) => {
  const int = (v: string) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError('It takes a whole number.');
    return Number.parseInt(v, 10);
  };
  program
    .command('up')
    .description('deploy ARM templates into the twin of the state folder and serve it until stopped (what earlier runs wrote there stays; --in-memory starts empty)')
    .argument('[dir...]', 'folders holding azuredeploy.json (+ azuredeploy.parameters.json); replace trustline.json "deployments"')
    .option('--template <file>', 'an ARM template (repeatable)', collect, [])
    .option('--parameters <file>', 'the parameters file for the --template before it (repeatable)', collect, [])
    .option('--in-memory', 'keep resources in memory only')
    .option('--state <dir>', `state folder (SQLite database, local CA, lock) (default: ${DEFAULT_STATE_DIR})`)
    .option('--port <n>', `control-plane https port (default: the base port, ${DEFAULT_PORT_BASE})`, int)
    .option('--port-base <n>', `base port: each listener at a documented offset (docs/design/ports.md); 0 = random ports (default: ${DEFAULT_PORT_BASE})`, int)
    .option('--proxy-port <n>', `port of the HTTP forward proxy (default: base + ${PROXY_PORT_OFFSET})`, int)
    .option('--no-proxy', 'do not serve the HTTP forward proxy')
    .option('--ready-file <file>', 'where to write the ready file (default: <state>/ready.json)')
    .option('--backend <site=url>', "put a user's own function host behind a site (repeatable)", collect, [])
    .option('--directory <file>', 'a directory file (app registrations, users, groups, app role assignments; schema/directory.schema.json), repeatable', collect, [])
    .option('--imds-identity <name>', 'a managed identity IMDS hands out (resource or identity name, client id); default none (repeatable)', collect, [])
    .option('--link-root <prefix=dir>', 'read http(s) links starting with PREFIX (linked templates, API Management policy and import links) from the folder DIR (an offline mirror; repeatable)', collect, [])
    .option('--tenant <id>', 'tenant id (default: a tenantId parameter, else a fixed local tenant)')
    .option('--loose', 'store or skip unsupported functions, types and policy elements with a warning')
    .option('--strict', 'refuse resource types the twin would only store, not simulate')
    .option('--no-auth', 'the control plane accepts requests without a bearer token (ARM requires one)')
    .addOption(new Option('--site-dispatch <how>', "how the gateway reaches the twin's sites: in-process (default; no socket hop, the same bytes reach the function) or sockets (real http, sites on a worker thread)").choices(['in-process', 'sockets']))
    .option('--deployment-step-delay <ms>', 'simulated provisioning time of each resource a control-plane deployment writes (default 0): clients see it Running and can cancel it, as in Azure', (v: string) => {
      const n = int(v);
      if (n > 600_000) throw new InvalidArgumentError('It takes at most 600000 (10 minutes).');
      return n;
    })
    .addOption(new Option('--log-level <level>', 'log level (default: info)').choices(['debug', 'info', 'warn', 'error', 'silent']))
    .option('--print-config', 'print the merged configuration (defaults < trustline.json < flags) as JSON and exit')
    .addOption(new Option('--json', 'print one JSON document per line instead of text (for scripts)'))
    .addHelpText(
      'after',
      '\nConfiguration: trustline.json in the working folder (or --config FILE), schema/trustline.schema.json; flags override it.\n' +
        '\nOutput: a line per deployment, then the URLs of every listener, how to point your tools at the twin\n' +
        '(eval "$(trustline env --identity APIM)") and curl lines to try; the ready file (JSON) is written once every listener is up and\n' +
        'removed on exit. The log (stderr) explains every 401/403. Exit 1 when a deployment failed, 2 on a usage error\n' +
        '(a taken port, a state folder in use by another `trustline up`).\n' +
        '--json: one JSON document per line: {"event":"deployed", template, deployment, resources: [{id, type, name, simulated}],\n' +
        'storedTypes} per deployment, {"event":"directory", file, objects} per directory file, then {"event":"ready", readyFile,\n' +
        'ready} (the ready file\'s content) or {"event":"failed", error}.',
    )
    .action(async (dirs: string[], o, cmd: Command) => {
      const given = <T>(key: string): T | undefined => (cmd.getOptionValueSource(key) === 'cli' ? (o[key] as T) : undefined);
      const config = mergeUpConfig(
        {
          dirs,
          template: o.template,
          parameters: o.parameters,
          inMemory: given('inMemory'),
          state: given('state'),
          port: given('port'),
          portBase: given('portBase'),
          proxyPort: given('proxyPort'),
          proxy: given('proxy'),
          auth: given('auth'),
          strict: given('strict'),
          siteDispatch: given('siteDispatch'),
          deploymentStepDelay: given('deploymentStepDelay'),
          readyFile: given('readyFile'),
          backend: o.backend,
          directory: o.directory,
          imdsIdentity: o.imdsIdentity,
          linkRoot: o.linkRoot,
          tenant: given('tenant'),
          loose: given('loose'),
          logLevel: given('logLevel'),
        },
        ctx.project(),
        ctx.cwd,
      );
      if (o.printConfig) {
        ctx.out(JSON.stringify(config, null, 2));
        return;
      }
      // The twin's code is loaded only when it runs: `trustline env` and friends start in a fraction of the time.
      const { up } = await import('../actions/up.js');
      const r = await up({ ...config, json: o.json === true, out: ctx.out });
      ctx.exit(r.code);
    });
};


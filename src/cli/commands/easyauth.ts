import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { LogLevel } from '../../core/index.js';
import { jsonOption, type RegisterCommand } from '../context.js';

/** Default http port of `trustline easyauth` (https: the next one). */
export const EASYAUTH_DEFAULT_PORT = 7780;

export const registerEasyAuth: RegisterCommand = (program, ctx) => {
  const port = (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError('It takes a port from 0 to 65535.');
    return Number(v);
  };
  program
    .command('easyauth')
    .description("put Easy Auth (the twin's site pipeline) in front of any HTTP app, e.g. your own `func start`")
    .requiredOption('--settings <file>', 'an authsettingsV2 body (JSON): its properties, or the whole resource')
    .requiredOption('--backend <url>', 'the app behind Easy Auth, e.g. http://127.0.0.1:7071')
    .option('--port <n>', `http port (default ${EASYAUTH_DEFAULT_PORT}; 0 = random)`, port)
    .option('--https-port <n>', 'https port (default: the http port + 1; 0 = random)', port)
    .option('--ready-file <file>', 'a running twin: Azure host names (login.microsoftonline.com, sts.windows.net) resolve to it')
    .option('--site <name>', 'the site name the app is told (X-SITE-DEPLOYMENT-ID, WAS-DEFAULT-HOSTNAME)')
    .option('--log-level <level>', 'debug | info | warn | error | silent (default info)')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nOutput: the https and http URLs to call instead of the app\'s own, then a log line for every refusal with its reason.\n' +
        'The app receives what a function behind App Service receives: X-MS-CLIENT-PRINCIPAL*, X-MS-TOKEN-* (token store on),\n' +
        'and the front end\'s headers. --json: one line {httpsUrl, httpUrl, caCertificate, backend, identityAuthority?} once listening.\n' +
        'Exit 2 when the settings are not valid authsettingsV2 (the error names the JSON path).',
    )
    .action(async (o: { settings: string; backend: string; port?: number; httpsPort?: number; readyFile?: string; site?: string; logLevel?: LogLevel; json?: boolean }) => {
      const httpPort = o.port ?? EASYAUTH_DEFAULT_PORT;
      const { easyauthCommand } = await import('../actions/easyauth.js');
      await easyauthCommand({
        settings: resolve(ctx.cwd, o.settings),
        backend: o.backend,
        port: httpPort,
        httpsPort: o.httpsPort ?? (httpPort === 0 ? 0 : httpPort + 1),
        ...(o.readyFile ? { readyFile: resolve(ctx.cwd, o.readyFile) } : {}),
        ...(o.site ? { site: o.site } : {}),
        logLevel: o.logLevel ?? 'info',
        json: o.json === true,
        out: ctx.out,
      });
    });
};

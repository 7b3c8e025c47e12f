import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, type Option } from 'commander';
import { describeError, isTwinError } from '../core/index.js';
import { COMMANDS } from './commands.js';
import { createContext } from './context.js';
import { readyFileOf } from './config/up-config.js';

export type { CliContext, RegisterCommand } from './context.js';

/** The package version (package.json beside dist/ or src/). */
export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export interface MainIo {
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  /** The working folder (where trustline.json is looked for); default process.cwd(). */
  cwd?: string;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 check or deployment failed, 2 usage error). */
export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((s: string) => void process.stdout.write(s));
  const stderr = io.stderr ?? ((s: string) => void process.stderr.write(s));
  const cwd = io.cwd ?? process.cwd();
  const program: Command = new Command('trustline');
  const ctx = createContext(stdout, stderr, () => ({ cwd, explicit: program.opts<{ config?: string }>().config }));
  program
    .description('A local, offline twin of APIM (managed identity) → Entra ID → Easy Auth → Azure Functions')
    .version(version(), '--version', 'print the version')
    .option('--config <file>', 'the project file (default: trustline.json in the working folder, when there is one)')
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    // A repeatable option starts as an empty list: its help says "(repeatable)", not "(default: [])".
    .configureHelp({
      optionDescription(this: Help, option: Option): string {
        const text = Help.prototype.optionDescription.call(this, option);
        return Array.isArray(option.defaultValue) && option.defaultValue.length === 0 ? text.replace(/ \(default: \[\]\)$/, '') : text;
      },
    })
    .exitOverride()
    // The error, then where the options are: the whole help after it would push the error off the screen.
    .showHelpAfterError('(add --help for the options and what the command prints)')
    .addHelpText('after', '\nExit codes: 0 success, 1 check or deployment failed (also: no twin runs at the ready file), 2 usage error.\n`trustline <command> --help` for each command.');
  // Commands created after this point inherit the output routing and the exit override.
  for (const register of COMMANDS) register(program, ctx);
  // `--ready-file` not given: the project file's readyFile (or <state>/ready.json) instead of the built-in default.
  program.hook('preAction', (_root, action) => {
    if (action.getOptionValueSource('readyFile') === 'default') {
      const project = ctx.project();
      if (project) action.setOptionValueWithSource('readyFile', readyFileOf(project, cwd), 'config');
    }
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : 2;
    }
    const refused = refusedAddress(e);
    if (refused !== undefined) {
      // A twin that is not running (or a ready file left by one that was killed): say so, not "fetch failed". The
      // command line was right: exit 1, as for a missing ready file (ERR_TWIN_NOT_RUNNING).
      ctx.err(`trustline: ERR_TWIN_UNREACHABLE: nothing answers at ${refused}, where the ready file says the twin listens: is \`trustline up\` running? (a twin that was killed leaves its ready file behind; start it again)`);
      return 1;
    }
    ctx.err(`trustline: ${describeError(e)}`);
    return exitCodeOf(e);
  }
  return ctx.code();
}

/**
 * The exit code of an error that ended a command (README: 0 success, 1 check or deployment failed, 2 usage error): a
 * usage error is a `TwinError` whose code starts with `ERR_CLI` (the command line itself: a file it names that does
 * not exist, options that do not go together, an identity it names that the twin does not have) or a listener port
 * that cannot be used (`ERR_RUNTIME_PORT_*`: choose others with --port-base); everything else — the twin not running
 * (`ERR_TWIN_*`), a deployment or a check that failed — is 1.
 */
export function exitCodeOf(e: unknown): 1 | 2 {
  return isTwinError(e) && (e.code.startsWith('ERR_CLI') || e.code.startsWith('ERR_RUNTIME_PORT')) ? 2 : 1;
}

/** `host:port` of a refused connection anywhere in an error's chain (undici's own error, fetch's `cause`, an AggregateError). */
function refusedAddress(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== 'object' || depth > 4) return undefined;
  const x = e as { code?: unknown; address?: unknown; port?: unknown; cause?: unknown; errors?: unknown; message?: unknown };
  if (x.code === 'ECONNREFUSED') {
    if (typeof x.address === 'string') return `${x.address}${x.port !== undefined ? `:${String(x.port)}` : ''}`;
    const m = typeof x.message === 'string' ? /ECONNREFUSED (\S+)/.exec(x.message) : null;
    return m?.[1] ?? 'the address the ready file names';
  }
  for (const inner of [x.cause, ...(Array.isArray(x.errors) ? x.errors : [])]) {
    const hit = refusedAddress(inner, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

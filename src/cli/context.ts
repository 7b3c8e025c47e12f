import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { DEFAULT_STATE_DIR } from './defaults.js';
import { findProjectFile, type LoadedProject } from './config/project-file.js';

/**
 * What every command gets from the CLI framework. A command is one file under `src/cli/commands/` exporting a
 * `RegisterCommand` (see `src/cli/commands.ts` for the list): it declares its options on `program` and, in its
 * action, writes through `ctx` and sets the exit code with `ctx.exit` (0 ok, 1 check or deployment failed,
 * 2 usage error — a thrown `TwinError` whose code starts with `ERR_CLI` is a usage error). Work that needs the
 * twin's subsystems (runtime, arm, state) lives in `src/cli/actions/<command>.ts` and is imported by the action
 * when it runs (`await import(...)`), so that parsing a command line loads only commander and core: `trustline env`
 * or `token` starts in a third of the CPU time (test/cli/framework.test.ts keeps it so).
 */
export interface CliContext {
  /** One line to stdout. */
  out(line: string): void;
  /** One line to stderr. */
  err(line: string): void;
  /** The exit code of this run. */
  exit(code: number): void;
  /** Data a command prints: with `--json` one JSON document (indented), otherwise the lines of `text(value)`. */
  print<T>(json: boolean | undefined, value: T, text: (value: T) => string[]): void;
  /**
   * The project file: `trustline.json` of the working folder, or the file `--config` names; undefined when there is
   * none. Read once, on first use; a file that does not match schema/trustline.schema.json throws ERR_CLI_CONFIG.
   */
  project(): LoadedProject | undefined;
  /** The working folder relative paths on the command line are resolved against. */
  readonly cwd: string;
}

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** `<state>/ready.json` under the default state folder. */
export const DEFAULT_READY_FILE = join(DEFAULT_STATE_DIR, 'ready.json');

/** `--ready-file F`: the running twin, for commands that talk to it. */
export const readyFileOption = (): Option =>
  new Option('--ready-file <file>', 'the ready file of the running twin (`trustline up` writes it)').default(DEFAULT_READY_FILE);

/** `--json`: print the data as one JSON document instead of text. */
export const jsonOption = (): Option => new Option('--json', 'print the result as JSON (for scripts) instead of text');

/** Collects a repeatable option's values. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The inputs and options of a deployment sent to the running twin (`trustline deploy`, `trustline what-if`). */
export function deploymentOptions(command: Command): Command {
  return command
    .argument('[dir...]', 'folders holding azuredeploy.json (+ azuredeploy.parameters.json)')
    .option('--template <file>', 'an ARM template (repeatable)', collect, [])
    .option('--parameters <file>', 'the parameters file for the --template before it (repeatable)', collect, [])
    .addOption(new Option('--mode <mode>', 'deployment mode').choices(['Incremental', 'Complete']).default('Incremental'))
    .option('--name <name>', 'deployment name (default: the template file name and a suffix; with several inputs, NAME-0, NAME-1, …)')
    .addOption(jsonOption())
    .addOption(readyFileOption());
}

export function createContext(
  stdout: (s: string) => void,
  stderr: (s: string) => void,
  projectFile: () => { cwd: string; explicit?: string | undefined },
): CliContext & { code(): number } {
  let code = 0;
  let project: { value: LoadedProject | undefined } | undefined;
  const out = (l: string) => stdout(l + '\n');
  return {
    out,
    err: (l) => stderr(l + '\n'),
    exit(c) {
      code = c;
    },
    print(json, value, text) {
      if (json) out(JSON.stringify(value, null, 2));
      else for (const l of text(value)) out(l);
    },
    get cwd() {
      return projectFile().cwd;
    },
    project() {
      if (!project) {
        const where = projectFile();
        project = { value: findProjectFile(where.cwd, where.explicit) };
      }
      return project.value;
    },
    code: () => code,
  };
}

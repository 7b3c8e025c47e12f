import type { RegisterCommand } from './context.js';
import { registerUp } from './commands/up.js';
import { registerDeploy } from './commands/deploy.js';
import { registerWhatIf } from './commands/what-if.js';
import { registerToken } from './commands/token.js';
import { registerTest } from './commands/test.js';
import { registerPolicy } from './commands/policy.js';
import { registerDirectory, registerKeys } from './commands/identity-admin.js';
import { registerExpand } from './commands/expand.js';
import { registerEnv } from './commands/env.js';
import { registerExplain } from './commands/explain.js';
import { registerEasyAuth } from './commands/easyauth.js';
import { registerLint } from './commands/lint.js';

/** Every `trustline` command, in the order `--help` lists them. A new command: one file, one line here (one per line). */
export const COMMANDS: readonly RegisterCommand[] = [
  registerUp,
  registerDeploy,
  registerWhatIf,
  registerLint,
  registerToken,
  registerTest,
  registerPolicy,
  registerDirectory,
  registerKeys,
  registerEnv,
  registerExplain,
  registerEasyAuth,
  registerExpand,
];

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli-process.js';

/** The seed scenario as shipped in examples/seed. */
export const SEED = join(ROOT, 'examples', 'seed');
const params = JSON.parse(readFileSync(join(SEED, 'azuredeploy.parameters.json'), 'utf8')) as { parameters: Record<string, { value: string }> };
export const APP_CLIENT_ID = params.parameters.appClientId!.value;
export const TENANT = params.parameters.tenantID!.value;

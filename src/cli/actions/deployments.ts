/** `trustline deploy` and `trustline what-if` against the running twin's control plane (ARM REST). */
import { basename } from 'node:path';
import { formatLocation } from '../../core/index.js';
import { loadParametersFile, loadTemplateFile, parseJsonDocument } from '../../arm/index.js';
import { readReadyFile } from '../ready-file.js';
import { collectInputs } from '../inputs.js';
import { ArmClient, armErrorOf, describeArmError } from '../arm-client.js';
import { controlPlaneToken } from '../control-plane-token.js';
import { formatWhatIf, type WhatIfResourceChange } from '../what-if-format.js';

export interface DeployCommandOptions {
  dirs: string[];
  template: string[];
  parameters: string[];
  readyFile: string;
  mode?: string;
  name?: string;
  /** Print each deployment as ARM answers it (as `az deployment group create -o json`) instead of a line. */
  json?: boolean;
}

export const DEPLOY_API_VERSION = '2021-04-01';

/** One deployment input read exactly as `trustline up` reads it (JSONC, raw control characters kept), with its locator. */
export function loadDeploymentFiles(template: string, parameters: string | undefined) {
  const loaded = loadTemplateFile(template);
  const doc = parseJsonDocument(loaded.text, loaded.file);
  const params = parameters ? loadParametersFile(parameters) : {};
  const locate = (jsonPath: string) => {
    const where = formatLocation(doc.locate(jsonPath));
    return where || undefined;
  };
  return { template: doc.value, parameters: ((params as { parameters?: unknown }).parameters ?? params) as Record<string, unknown>, locate };
}

type DeploymentFiles = ReturnType<typeof loadDeploymentFiles>;

/**
 * Each input of a deployment command (folders and --template/--parameters pairs), loaded as `up` loads it and
 * handed with the control-plane client to `run`, which returns whether it succeeded. Exit code 0 or 1.
 */
export async function forEachDeployment(
  opts: { dirs: string[]; template: string[]; parameters: string[]; readyFile: string },
  run: (client: ArmClient, input: { template: string; index: number; files: DeploymentFiles }) => Promise<boolean>,
): Promise<number> {
  const ready = readReadyFile(opts.readyFile);
  const inputs = collectInputs(opts.dirs, opts.template, opts.parameters);
  const client = new ArmClient(ready, controlPlaneToken(ready));
  let failures = 0;
  try {
    for (const [index, f] of inputs.entries()) {
      if (!(await run(client, { template: f.template, index, files: loadDeploymentFiles(f.template, f.parameters) }))) failures += 1;
    }
  } finally {
    await client.close();
  }
  return failures === 0 ? 0 : 1;
}

/** Print an ARM error answer with file:line:column locations. */
export function printArmFailure(out: (l: string) => void, heading: string, body: unknown, files: DeploymentFiles): void {
  const error = armErrorOf(body);
  out(heading);
  for (const line of error ? describeArmError(error, files.locate, '  ') : [`  ${JSON.stringify(body)}`]) out(line);
}

/** `trustline deploy`: PUT a deployment to the running twin's control plane (ARM REST) and wait for it. */
export async function deployCommand(opts: DeployCommandOptions, out: (l: string) => void): Promise<number> {
  return forEachDeployment(opts, async (client, { template, index, files }) => {
    const name = opts.name ?? `${basename(template, '.json')}-${Date.now()}-${index}`;
    const path = `${client.deploymentsPath}/${encodeURIComponent(name)}?api-version=${DEPLOY_API_VERSION}`;
    const put = await client.send('PUT', path, { properties: { mode: opts.mode ?? 'Incremental', template: files.template, parameters: files.parameters } });
    let final = put;
    if (put.status === 200 || put.status === 201) {
      const state = (put.body as { properties?: { provisioningState?: string } }).properties?.provisioningState;
      if (state !== 'Succeeded' && state !== 'Failed' && state !== 'Canceled') final = await client.send('GET', path);
    }
    const state = (final.body as { properties?: { provisioningState?: string } } | undefined)?.properties?.provisioningState;
    const ok = final.status >= 200 && final.status < 300 && state === 'Succeeded';
    if (opts.json) {
      out(JSON.stringify(final.body ?? null, null, 2));
      return ok;
    }
    if (ok) {
      out(`deployed ${template} as ${name}`);
      return true;
    }
    printArmFailure(out, `deployment ${name} of ${template} failed (${final.status}${state ? `, ${state}` : ''}):`, final.body, files);
    return false;
  });
}

export interface WhatIfCommandOptions extends DeployCommandOptions {
  json?: boolean;
}

/**
 * `trustline what-if`: ask the running twin's control plane what a deployment would change (ARM's
 * `POST …/deployments/{name}/whatIf`, polled through `Location`) and print it as `az deployment group what-if`
 * does, or ARM's JSON with `--json`. Nothing is deployed.
 */
export async function whatIfCommand(opts: WhatIfCommandOptions, out: (l: string) => void): Promise<number> {
  return forEachDeployment(opts, async (client, { template, index, files }) => {
    const name = opts.name ?? `${basename(template, '.json')}-whatif-${index}`;
    const first = await client.send('POST', `${client.deploymentsPath}/${encodeURIComponent(name)}/whatIf?api-version=${DEPLOY_API_VERSION}`, {
      properties: { mode: opts.mode ?? 'Incremental', template: files.template, parameters: files.parameters },
    });
    const res = await client.poll(first);
    const body = res.body as { status?: string; properties?: { changes?: WhatIfResourceChange[] } } | undefined;
    const ok = res.status === 200 && body?.status === 'Succeeded';
    if (opts.json) out(JSON.stringify(body ?? null, null, 2));
    else if (ok) out(formatWhatIf(body.properties?.changes ?? []));
    else printArmFailure(out, `what-if of ${template} failed (${res.status}):`, body, files);
    return ok;
  });
}

/** `trustline deploy` and `trustline what-if` against the running twin's control plane (ARM REST). */
import { basename } from 'node:path';
import { formatLocation } from '../../core/index.js';
import { loadParametersFile, loadTemplateFile, parseJsonDocument, supportedTypes } from '../../arm/index.js';
import { readReadyFile } from '../ready-file.js';
import { collectInputs } from '../inputs.js';
import { ArmClient, armErrorOf, describeArmError, type ArmResponse } from '../arm-client.js';
import { controlPlaneToken } from '../control-plane-token.js';
import { formatWhatIf, type WhatIfResourceChange } from '../what-if-format.js';

export interface DeployCommandOptions {
  dirs: string[];
  template: string[];
  parameters: string[];
  readyFile: string;
  mode?: string;
  name?: string;
  /** Print each deployment as ARM answers it (as `az deployment group create -o json`) instead of lines. */
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
  run: (client: ArmClient, input: { template: string; index: number; count: number; files: DeploymentFiles }) => Promise<boolean>,
): Promise<number> {
  // The inputs first: a mistake in the command line is reported as such, also when no twin is running.
  const inputs = collectInputs(opts.dirs, opts.template, opts.parameters);
  const ready = readReadyFile(opts.readyFile);
  const client = new ArmClient(ready, controlPlaneToken(ready));
  let failures = 0;
  try {
    for (const [index, f] of inputs.entries()) {
      if (!(await run(client, { template: f.template, index, count: inputs.length, files: loadDeploymentFiles(f.template, f.parameters) }))) failures += 1;
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

/**
 * Where a template deploys, as `trustline up` decides it: a `subscriptionDeploymentTemplate` `$schema` goes to the
 * subscription's deployments (with the resource group's location, which ARM requires there), anything else to the
 * resource group's.
 */
export async function deploymentTarget(client: ArmClient, template: unknown): Promise<{ path: string; body: Record<string, unknown> }> {
  const schema = (template as { $schema?: unknown } | null)?.$schema;
  if (typeof schema !== 'string' || !/subscriptionDeploymentTemplate\.json/i.test(schema)) return { path: client.deploymentsPath, body: {} };
  const rg = await client.send('GET', `${client.resourceGroupPath}?api-version=${DEPLOY_API_VERSION}`);
  const location = (rg.body as { location?: unknown } | undefined)?.location;
  return { path: client.subscriptionDeploymentsPath, body: typeof location === 'string' ? { location } : {} };
}

/** A default deployment name ARM accepts (1–64 of letters, digits, `-._()`): the template's file name and a suffix. */
function deploymentName(template: string, suffix: string): string {
  const stem = basename(template, '.json').replace(/[^-\p{L}\p{N}_.()]/gu, '-');
  return `${stem.slice(0, 63 - suffix.length)}-${suffix}`;
}

/**
 * The name of deployment `index` of `count`: `--name N` as given for one input, `N-0`, `N-1`, … for several (one name
 * for all would make each replace the one before in the deployment history, as in ARM); else the template's default.
 */
export function deploymentNameFor(given: string | undefined, input: { template: string; index: number; count: number }, suffix: string): string {
  if (given === undefined) return deploymentName(input.template, suffix);
  return input.count > 1 ? `${given}-${input.index}` : given;
}

/** `trustline deploy`: PUT a deployment to the running twin's control plane (ARM REST) and wait for it. */
export async function deployCommand(opts: DeployCommandOptions, out: (l: string) => void): Promise<number> {
  return forEachDeployment(opts, async (client, input) => {
    const { template, index, files } = input;
    const name = deploymentNameFor(opts.name, input, `${Date.now()}-${index}`);
    const target = await deploymentTarget(client, files.template);
    const path = `${target.path}/${encodeURIComponent(name)}?api-version=${DEPLOY_API_VERSION}`;
    const put = await client.send('PUT', path, { ...target.body, properties: { mode: opts.mode ?? 'Incremental', template: files.template, parameters: files.parameters } });
    const final = put.status === 200 || put.status === 201 ? await untilTerminal(client, path, put) : put;
    const state = stateOf(final);
    const ok = final.status >= 200 && final.status < 300 && state === 'Succeeded';
    if (opts.json) {
      out(JSON.stringify(final.body ?? null, null, 2));
      return ok;
    }
    if (ok) {
      out(`deployed ${template} as ${name}`);
      const ops = await client.send('GET', `${target.path}/${encodeURIComponent(name)}/operations?api-version=${DEPLOY_API_VERSION}`);
      for (const line of resourceLines(ops.body)) out(line);
      return true;
    }
    printArmFailure(out, `deployment ${name} of ${template} failed (${final.status}${state ? `, ${state}` : ''}):`, final.body, files);
    return false;
  });
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Canceled']);
const stateOf = (r: ArmResponse | undefined) => (r?.body as { properties?: { provisioningState?: string } } | undefined)?.properties?.provisioningState;

/** The deployment once it ended: ARM's PUT answers while it runs (`Accepted`/`Running`); GET it until a terminal state (bounded). */
async function untilTerminal(client: ArmClient, path: string, first: ArmResponse): Promise<ArmResponse> {
  let res = first;
  for (let i = 0; i < 1200 && res.status < 300 && !TERMINAL.has(stateOf(res) ?? ''); i++) {
    await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** i, 1000)));
    res = await client.send('GET', path);
  }
  return res;
}

/** Kinds of resource types that are neither simulated nor stored: the deployment machinery itself. */
const MACHINERY = new Set(['microsoft.resources/deployments', 'microsoft.resources/resourcegroups']);

/**
 * One line per resource the deployment wrote (`+` simulated, `·` stored, not simulated), from its operations, and the
 * summary `N simulated; stored, not simulated: Type (n), …` as `trustline up` prints it.
 */
export function resourceLines(operations: unknown): string[] {
  const simulated = new Set(supportedTypes().map((t) => t.toLowerCase()));
  const value = (operations as { value?: Array<{ properties?: { provisioningOperation?: string; targetResource?: { id?: string; resourceType?: string; resourceName?: string } } }> } | undefined)?.value ?? [];
  const lines: string[] = [];
  const storedTypes = new Map<string, number>();
  let simulatedCount = 0;
  for (const op of value) {
    const t = op.properties?.targetResource;
    if (!t?.resourceType || op.properties?.provisioningOperation === 'EvaluateDeploymentOutput') continue;
    const deleted = op.properties?.provisioningOperation === 'Delete';
    const isStored = !simulated.has(t.resourceType.toLowerCase()) && !MACHINERY.has(t.resourceType.toLowerCase());
    lines.push(`  ${deleted ? '-' : isStored ? '·' : '+'} ${t.resourceType} ${t.resourceName ?? t.id ?? ''}`);
    if (deleted) continue;
    if (isStored) storedTypes.set(t.resourceType, (storedTypes.get(t.resourceType) ?? 0) + 1);
    else simulatedCount += 1;
  }
  const list = [...storedTypes].map(([t, n]) => (n > 1 ? `${t} (${n})` : t)).join(', ');
  lines.push(`  ${simulatedCount} simulated${storedTypes.size > 0 ? `; stored, not simulated: ${list}` : ''}`);
  return lines;
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
  return forEachDeployment(opts, async (client, input) => {
    const { template, files } = input;
    const name = deploymentNameFor(opts.name, input, `whatif-${input.index}`);
    const target = await deploymentTarget(client, files.template);
    const first = await client.send('POST', `${target.path}/${encodeURIComponent(name)}/whatIf?api-version=${DEPLOY_API_VERSION}`, {
      ...target.body,
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

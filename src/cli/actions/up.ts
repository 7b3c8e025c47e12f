import { dirname, resolve } from 'node:path';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { TwinError, createLogger, describeError, randomIds, systemClock } from '../../core/index.js';
import type { DeployResult } from '../../arm/index.js';
import { writePrivateFile } from '../../state/index.js';
import { armDeferredTls, startTwin, type Twin, type ReadyInfo } from '../../runtime/index.js';
import { startupInputs } from '../startup-inputs.js';
import { removeReadyFile } from '../ready-file.js';
import { DEFAULT_STATE_DIR } from '../defaults.js';
import type { UpConfig } from '../config/up-config.js';
import { lockStateFolder } from '../state-lock.js';
import { firstCallable } from '../first-callable.js';

export interface UpOptions extends UpConfig {
  /** Resolve once the twin is up instead of serving until a signal (tests). */
  detach?: boolean;
  /** Print one JSON document per line (deployed, directory, failed, ready) instead of text. */
  json?: boolean;
  out?: (line: string) => void;
}

/** What `up --json` prints, one per line, in this order: each deployment, each directory file, then ready (or failed). */
export type UpEvent =
  | { event: 'deployed'; template: string; deployment: string; resources: DeployedResource[]; storedTypes: string[] }
  | { event: 'directory'; file: string; objects: number }
  | { event: 'failed'; error: string; directory?: string }
  | { event: 'ready'; readyFile: string; ready: ReadyInfo };

/** One resource of a deployment; `simulated` false = stored as given, not played by the twin. */
export interface DeployedResource {
  id: string;
  type: string;
  name: string;
  simulated: boolean;
}

export interface UpResult {
  code: number;
  twin?: Twin;
  ready?: ReadyInfo;
  /** Stops a detached twin: closes it, removes the ready file, releases the state folder. */
  stop?: () => Promise<void>;
}

/** `trustline up`: deploy the inputs into the twin of the state folder (empty with --in-memory) and serve until stopped. */
export async function up(opts: UpOptions): Promise<UpResult> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const event = (e: UpEvent) => out(JSON.stringify(e));
  const logger = createLogger({ level: opts.logLevel });
  const { loaded, inputs, tenantId } = startupInputs(opts.deployments, opts.tenant);
  // A directory file that is not there is a mistake of the command line (exit 2, as a template that is not there),
  // found before the twin starts rather than after its deployments went through.
  for (const f of opts.directory) if (!existsSync(f) || !statSync(f).isFile()) throw new TwinError('ERR_CLI_INPUT', `the directory file ${f} does not exist`);
  // First the lock: a second `up` on this folder stops here, before it reads or writes anything in it.
  const lock = lockStateFolder(opts.state, logger);
  let twin: Twin;
  try {
    // The ready file means "this twin is up": a stale one from an earlier run must not be read meanwhile.
    removeReadyFile(opts.readyFile);
    twin = await startTwin({
      stateDir: opts.state,
      inMemory: opts.inMemory,
      tenantId,
      subscriptionId: opts.subscription,
      resourceGroup: opts.resourceGroup,
      location: opts.location,
      backends: opts.backends,
      ports: opts.ports,
      proxy: opts.proxy,
      loose: opts.loose,
      compat: opts.compat,
      strict: opts.strict,
      controlPlaneAuth: opts.auth,
      // The web console at the control plane's `/` (its link, with its secret, is the ready file's `console`).
      console: (await import('../../console/index.js')).createConsole,
      // In-process dispatch (default) runs the sites on the main thread, next to the gateway that calls them;
      // with real sockets they get a worker thread, so that the two hops use two cores.
      siteThread: opts.siteDispatch === 'sockets' ? 'worker' : 'main',
      siteDispatch: opts.siteDispatch,
      // The token endpoint signs on worker threads, one per core, off the event loop the listeners share.
      signingWorkers: Math.min(8, availableParallelism()),
      deployThread: 'worker',
      ...(opts.deploymentStepDelayMs > 0 ? { deploymentStepDelayMs: opts.deploymentStepDelayMs } : {}),
      ...(opts.imdsIdentities.length > 0 ? { imdsIdentities: opts.imdsIdentities } : {}),
      ...(opts.linkRoots.length > 0 ? { linkRoots: opts.linkRoots } : {}),
      logLevel: opts.logLevel,
      clock: systemClock,
      ids: randomIds,
      logger,
    });
  } catch (e) {
    lock.release();
    throw e;
  }
  let unsubscribe: (() => void) | undefined;
  const stop = async () => {
    unsubscribe?.();
    removeReadyFile(opts.readyFile);
    await twin.close();
    lock.release();
  };
  let failedDirectory: string | undefined;
  try {
    // A persisted state folder already holds what an unchanged start deployed: it is served as it is (bench/RESULTS.md, start-up).
    const reused = twin.reusableDeployments(inputs);
    const results: DeployResult[] = [];
    for (const [i, l] of loaded.entries()) {
      const input = inputs[i]!;
      const name = input.deploymentName;
      // Before the twin is ready nothing is served: the start-up templates are evaluated on this thread (a worker's
      // start costs seconds, the seed's evaluation milliseconds); size limits still apply (docs/limits.md).
      const result = reused?.[i] ?? (await twin.deploy(input, { thread: 'main' }));
      results.push(result);
      for (const w of result.warnings) logger.warn(w);
      const resources = deployedResources(twin, result.resources, result.stored);
      if (opts.json) event({ event: 'deployed', template: l.files.template, deployment: name, resources, storedTypes: storedTypes(resources).map(([t]) => t) });
      else {
        out(`deployed ${l.files.template} (${result.resources.length} resources)`);
        for (const line of deploymentProgress(resources)) out(line);
      }
    }
    for (const file of opts.directory) {
      let objects: unknown[];
      try {
        objects = twin.identity.applyDirectory({ file });
      } catch (e) {
        // The deployments went through; it is this file that stops the start (and the error names no file).
        failedDirectory = file;
        throw e;
      }
      if (opts.json) event({ event: 'directory', file, objects: objects.length });
      else out(`directory ${file}: ${objects.length} objects`);
    }
    if (reused) logger.info('the start-up deployments are unchanged since the last start: the state is served as it is');
    twin.recordDeployments(inputs, results);
  } catch (e) {
    if (opts.json) event({ event: 'failed', ...(failedDirectory ? { directory: failedDirectory } : {}), error: describeError(e) });
    else out(`${failedDirectory ? `directory file ${failedDirectory}` : 'deployment'} failed: ${describeError(e)}`);
    await stop();
    return { code: 1 };
  }
  const ready = twin.ready();
  // Ctrl+C / SIGTERM stop the twin cleanly from the moment the ready file exists: a signal sent as soon as a client
  // sees the file (scripts, CI) used to arrive before these handlers and end the process with the file and the lock
  // left behind.
  let stopRequested: Promise<void> | undefined;
  if (!opts.detach) {
    stopRequested = new Promise<void>((resolveStop) => {
      const onSignal = () => resolveStop();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
  }
  writeReadyFile(opts.readyFile, ready);
  // The https listeners load their key and certificate now that the twin is ready (a connection that comes first
  // loads its listener's at once: src/runtime/listener.ts).
  setImmediate(armDeferredTls);
  // A site or APIM service deployed later (control plane, `trustline deploy`) appears in the ready file as one
  // deployed here; the file is replaced atomically, so a reader sees the old or the new one, never half of it.
  let written = JSON.stringify(ready);
  unsubscribe = twin.onReadyChange((next) => {
    const text = JSON.stringify(next);
    if (text === written) return;
    written = text;
    try {
      writeReadyFile(opts.readyFile, next);
      logger.info(`ready file ${opts.readyFile} rewritten`);
    } catch (e) {
      logger.warn(`cannot rewrite the ready file ${opts.readyFile}: ${describeError(e)}`);
    }
  });
  for (const site of unknownBackendSites(opts.backends, ready)) {
    logger.warn(`--backend ${site}=…: no site named ${site} is deployed (sites: ${Object.keys(ready.sites).join(', ') || 'none'}); it takes effect if a later deployment creates it`);
  }
  if (opts.json) event({ event: 'ready', readyFile: opts.readyFile, ready });
  else printSummary(ready, opts.readyFile, out, opts.backends);
  if (!stopRequested) return { code: 0, twin, ready, stop };
  await stopRequested;
  await stop();
  return { code: 0 };
}

/** The resources of a deployment in the order deployed, each simulated or stored as given (`DeployResult.stored`). */
export function deployedResources(twin: Twin, ids: string[], stored: string[]): DeployedResource[] {
  const storedIds = new Set(stored.map((id) => id.toLowerCase()));
  return ids.map((id) => {
    const r = twin.store.getResource(id);
    const [type, name] = r ? [r.type, r.name] : storedLabel(id);
    return { id, type, name, simulated: !storedIds.has(id.toLowerCase()) };
  });
}

/** The types stored, not simulated, with how many resources of each. */
function storedTypes(resources: DeployedResource[]): Array<[string, number]> {
  const types = new Map<string, number>();
  for (const r of resources) if (!r.simulated) types.set(r.type, (types.get(r.type) ?? 0) + 1);
  return [...types];
}

/** Each deployed resource as it was deployed (`+` simulated, `·` stored, not simulated), then the stored types. */
export function deploymentProgress(resources: DeployedResource[]): string[] {
  const lines = resources.map((r) => `  ${r.simulated ? '+' : '·'} ${r.type} ${r.name}`);
  const stored = storedTypes(resources);
  const list = stored.map(([t, n]) => (n > 1 ? `${t} (${n})` : t)).join(', ');
  lines.push(`  ${resources.filter((r) => r.simulated).length} simulated${stored.length > 0 ? `; stored, not simulated: ${list}` : ''}`);
  return lines;
}

/** The `--backend` sites no deployment created (a typo in the site name would otherwise go unnoticed). */
export function unknownBackendSites(backends: Record<string, string>, ready: Pick<ReadyInfo, 'sites'>): string[] {
  const sites = new Set(Object.keys(ready.sites).map((n) => n.toLowerCase()));
  return Object.keys(backends).filter((n) => !sites.has(n.toLowerCase()));
}

/** The banner `trustline up` prints once the twin serves (exported for its test). */
export function printSummary(ready: ReadyInfo, readyFile: string, out: (l: string) => void, backends: Record<string, string> = {}): void {
  const domains = (names: string[] | undefined) => (names && names.length > 0 ? `, ${names.map((n) => `https://${n}`).join(', ')}` : '');
  const backendOf = (site: string) => Object.entries(backends).find(([n]) => n.toLowerCase() === site.toLowerCase())?.[1];
  out('');
  out(`Trustline is up (tenant ${ready.tenantId}). Ready file: ${readyFile}`);
  out(`  local CA:       ${ready.caCertificate}`);
  if (ready.proxy) out(`  proxy:          ${ready.proxy}   (Azure host names → the twin; every other host refused)`);
  out(`  control plane:  ${ready.controlPlane}   (management.azure.com)`);
  out(`  console:        ${ready.console}   (chain, try a request, last requests and why, keys, directory; open it in a browser)`);
  out(`  identity:       ${ready.identity.authority}   (login.microsoftonline.com)   MI endpoint ${ready.identity.identityEndpoint}`);
  for (const [name, s] of Object.entries(ready.sites)) {
    out(`  site ${name}: ${s.url}  (https://${s.hostName}${domains(s.customHostNames)}; http ${s.httpUrl}${s.clientId ? `; audience ${s.clientId}` : ''}; function ${backendOf(name) ?? 'the built-in echo'})`);
  }
  for (const [name, a] of Object.entries(ready.apim)) {
    out(`  apim ${name}: ${a.gatewayUrl}  (https://${a.hostName}${domains(a.customHostNames)}; managed identity principalId ${a.principalId ?? '-'})`);
  }
  const firstApim = Object.values(ready.apim)[0];
  const firstSite = Object.values(ready.sites)[0];
  const readyArg = readyFile === resolve(DEFAULT_STATE_DIR, 'ready.json') ? '' : ` --ready-file ${readyFile}`;
  out('');
  if (ready.proxy) {
    // As the APIM service's managed identity when there is one (the chain's caller; README's quick start): with two
    // system-assigned identities the shared MI endpoint could not tell which one a tool wants.
    const caller = Object.entries(ready.apim).find(([, a]) => a.principalId)?.[0];
    const envArgs = `${readyArg}${caller ? ` --identity ${caller}` : ''}`;
    out(`Point your tools at it (curl, az, @azure/identity, your function; the real Azure URLs${caller ? `; as APIM ${caller}'s managed identity` : ''}):`);
    out(`  eval "$(npx trustline env${envArgs})"`);
    out(`  npx trustline env${envArgs} --shell pwsh | Invoke-Expression      # pwsh`);
  }
  if (!firstApim && !firstSite) {
    out(`Nothing is deployed yet: \`npx trustline deploy DIR${readyArg}\` (or \`az deployment group create\`) deploys into it; the console shows what it serves.`);
    out('Every 401/403 the sites answer is explained in this log. Stop with Ctrl+C.');
    return;
  }
  out('Try it:');
  const call = firstApim ? firstCallable(firstApim.apis) : undefined;
  if (firstApim && call) out(`  curl ${ready.proxy ? `https://${firstApim.hostName}` : `--cacert ${ready.caCertificate} ${firstApim.gatewayUrl}`}${call}`);
  if (firstSite) out(`  curl -i ${ready.proxy ? `https://${firstSite.hostName}` : `--cacert ${ready.caCertificate} ${firstSite.url}`}/api/hello      # straight to the site, no token`);
  out(`  npx trustline test${readyArg}`);
  out('Every 401/403 the sites answer is explained in this log. Stop with Ctrl+C.');
}

/** Type and name of a resource id (`…/providers/Ns/t/n/c/m` → `Ns/t/c`, `n/m`). */
function storedLabel(id: string): [string, string] {
  const at = id.toLowerCase().lastIndexOf('/providers/');
  const segs = id.slice(at + '/providers/'.length).split('/');
  const types = [segs[0], ...segs.slice(1).filter((_, i) => i % 2 === 0)];
  const names = segs.slice(1).filter((_, i) => i % 2 === 1);
  return [types.join('/'), names.join('/')];
}

function writeReadyFile(file: string, info: ReadyInfo): void {
  mkdirSync(dirname(file), { recursive: true });
  // 0600: the ready file carries the identity header (the MSI endpoint's shared secret).
  writePrivateFile(file, JSON.stringify(info, null, 2) + '\n');
}

import { join, resolve, basename } from 'node:path';
import { availableParallelism } from 'node:os';
import { createLogger, describeError, randomIds, systemClock, type LogLevel } from '../../core/index.js';
import { loadParametersFile, loadTemplateFile } from '../../arm/index.js';
import { startTwin, type Twin, type ReadyInfo } from '../../runtime/index.js';
import { collectInputs, tenantFromParameters } from '../inputs.js';
import { removeReadyFile, writeReadyFile } from '../ready-file.js';
import { DEFAULT_LOCATION, DEFAULT_RESOURCE_GROUP, DEFAULT_STATE_DIR, DEFAULT_SUBSCRIPTION, DEFAULT_TENANT } from '../defaults.js';
import { Option } from 'commander';
import { collect, type RegisterCommand } from '../context.js';

export interface UpOptions {
  dirs: string[];
  template: string[];
  parameters: string[];
  inMemory?: boolean;
  state?: string;
  port?: number;
  readyFile?: string;
  backend: string[];
  /** Directory files (schema/directory.schema.json), applied after the deployments. */
  directory?: string[];
  /** Managed identities IMDS may hand out (default none). */
  imdsIdentity?: string[];
  tenant?: string;
  subscription?: string;
  resourceGroup?: string;
  location?: string;
  loose?: boolean;
  /** The control plane accepts requests without a bearer token (default: ARM's bearer authentication). */
  noAuth?: boolean;
  /** Refuse resource types the twin would only store, not simulate. */
  strict?: boolean;
  /** `in-process` (default) or `sockets`: how the gateway reaches the twin's own sites. */
  siteDispatch?: 'in-process' | 'sockets';
  logLevel?: LogLevel;
  /** Resolve once the twin is up instead of serving until a signal (tests). */
  detach?: boolean;
  out?: (line: string) => void;
}

export interface UpResult {
  code: number;
  twin?: Twin;
  ready?: ReadyInfo;
}

function parseBackends(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf('=');
    if (i <= 0) throw new Error(`--backend takes SITE=URL, got '${item}'`);
    const url = item.slice(i + 1);
    new URL(url);
    out[item.slice(0, i)] = url;
  }
  return out;
}

/** `trustline up`: deploy the inputs into a fresh twin and serve until stopped. */
export async function up(opts: UpOptions): Promise<UpResult> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const logger = createLogger({ level: opts.logLevel ?? 'info' });
  const inputs = collectInputs(opts.dirs, opts.template, opts.parameters);
  const loaded = inputs.map((f) => ({
    files: f,
    template: loadTemplateFile(f.template),
    parameters: f.parameters ? loadParametersFile(f.parameters) : undefined,
  }));
  const tenantId = opts.tenant ?? loaded.map((l) => tenantFromParameters(l.parameters)).find(Boolean) ?? DEFAULT_TENANT;
  const stateDir = resolve(opts.state ?? DEFAULT_STATE_DIR);
  // The ready file means "this twin is up": a stale one from an earlier run must not be read meanwhile.
  const readyFile = resolve(opts.readyFile ?? join(stateDir, 'ready.json'));
  removeReadyFile(readyFile);
  const twin = await startTwin({
    stateDir,
    inMemory: opts.inMemory,
    tenantId,
    subscriptionId: opts.subscription ?? DEFAULT_SUBSCRIPTION,
    resourceGroup: opts.resourceGroup ?? DEFAULT_RESOURCE_GROUP,
    location: opts.location ?? DEFAULT_LOCATION,
    backends: parseBackends(opts.backend),
    port: opts.port,
    loose: opts.loose,
    strict: opts.strict,
    controlPlaneAuth: !opts.noAuth,
    // In-process dispatch (default) runs the sites on the main thread, next to the gateway that calls them;
    // with real sockets they get a worker thread, so that the two hops use two cores.
    siteThread: opts.siteDispatch === 'sockets' ? 'worker' : 'main',
    siteDispatch: opts.siteDispatch ?? 'in-process',
    ...(opts.imdsIdentity && opts.imdsIdentity.length > 0 ? { imdsIdentities: opts.imdsIdentity } : {}),
    // The token endpoint signs on worker threads, one per core, off the event loop the listeners share.
    signingWorkers: Math.min(8, availableParallelism()),
    deployThread: 'worker',
    logLevel: opts.logLevel ?? 'info',
    clock: systemClock,
    ids: randomIds,
    logger,
  });
  try {
    for (const [i, l] of loaded.entries()) {
      const name = `${basename(l.files.template, '.json')}-${i + 1}`;
      // Before the twin is ready nothing is served: the start-up templates are evaluated on this thread (a worker's
      // start costs seconds, the seed's evaluation milliseconds); size limits still apply (docs/limits.md).
      const result = await twin.deploy({ deploymentName: name, template: l.template, parameters: l.parameters }, { thread: 'main' });
      for (const w of result.warnings) logger.warn(w);
      out(`deployed ${l.files.template} (${result.resources.length} resources)`);
      for (const id of result.stored) out(`  stored, not simulated: ${storedLabel(id)}`);
    }
    for (const file of opts.directory ?? []) {
      const objects = twin.identity.applyDirectory({ file: resolve(file) });
      out(`directory ${file}: ${objects.length} objects`);
    }
  } catch (e) {
    out(`deployment failed: ${describeError(e)}`);
    await twin.close();
    return { code: 1 };
  }
  const ready = twin.ready();
  writeReadyFile(readyFile, ready);
  printSummary(ready, readyFile, out);
  if (opts.detach) return { code: 0, twin, ready };
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  removeReadyFile(readyFile);
  await twin.close();
  return { code: 0 };
}

function printSummary(ready: ReadyInfo, readyFile: string, out: (l: string) => void): void {
  out('');
  out(`Trustline is up (tenant ${ready.tenantId}). Ready file: ${readyFile}`);
  out(`  local CA:       ${ready.caCertificate}   (export NODE_EXTRA_CA_CERTS=${ready.caCertificate})`);
  out(`  control plane:  ${ready.controlPlane}`);
  out(`  identity:       ${ready.identity.authority}   MI endpoint ${ready.identity.identityEndpoint}`);
  for (const [name, s] of Object.entries(ready.sites)) out(`  site ${name}: ${s.url}  (${s.hostName}; http ${s.httpUrl})`);
  for (const [name, a] of Object.entries(ready.apim)) {
    out(`  apim ${name}: ${a.gatewayUrl}  (${a.hostName}; managed identity principalId ${a.principalId ?? '-'})`);
  }
  const firstApim = Object.values(ready.apim)[0];
  const firstSite = Object.values(ready.sites)[0];
  out('');
  out('Try it:');
  const call = firstApim ? firstCallable(firstApim.apis) : undefined;
  if (firstApim && call) out(`  curl --cacert ${ready.caCertificate} ${firstApim.gatewayUrl}${call}`);
  if (firstSite) out(`  curl -i --cacert ${ready.caCertificate} ${firstSite.url}/api/hello      # straight to the site, no token`);
  out('  npx trustline test --ready-file ' + readyFile);
  out('Every 401/403 the sites answer is explained in this log. Stop with Ctrl+C.');
}

/** `/apiPath/urlTemplate` of the first GET operation without template parameters. */
export function firstCallable(apis: ReadyInfo['apim'][string]['apis']): string | undefined {
  for (const api of apis) {
    for (const op of api.operations) {
      if (op.method.toUpperCase() === 'GET' && !op.urlTemplate.includes('{')) return joinPath(api.path, op.urlTemplate);
    }
  }
  return undefined;
}

export function joinPath(apiPath: string, template: string): string {
  const a = apiPath.replace(/^\/+|\/+$/g, '');
  const t = template.replace(/^\/+/, '');
  return '/' + [a, t].filter(Boolean).join('/');
}

export const registerUp: RegisterCommand = (program, ctx) => {
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
    .option('--strict', 'refuse resource types the twin would only store, not simulate')
    .option('--no-auth', 'the control plane accepts requests without a bearer token (ARM requires one)')
    .addOption(new Option('--site-dispatch <how>', "how the gateway reaches the twin's sites: in-process (no socket hop; the same bytes reach the function) or sockets (real http, sites on a worker thread)").choices(['in-process', 'sockets']).default('in-process'))
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .addHelpText(
      'after',
      '\nOutput: a line per deployment, then the URLs of every listener and curl lines to try; the ready file (JSON) is written\n' +
        'once every listener is up and removed on exit. The log (stderr) explains every 401/403. Exit 1 when a deployment failed.',
    )
    .action(async (dirs: string[], o) => {
      const r = await up({ dirs, template: o.template, parameters: o.parameters, inMemory: o.inMemory, state: o.state, port: o.port, readyFile: o.readyFile, backend: o.backend, directory: o.directory, imdsIdentity: o.imdsIdentity, tenant: o.tenant, loose: o.loose, noAuth: o.auth === false, strict: o.strict, siteDispatch: o.siteDispatch, logLevel: o.logLevel, out: ctx.out });
      ctx.exit(r.code);
    });
};

/** `Type name` of a resource id (`…/providers/Ns/t/n/c/m` → `Ns/t/c n/m`). */
function storedLabel(id: string): string {
  const at = id.toLowerCase().lastIndexOf('/providers/');
  const segs = id.slice(at + '/providers/'.length).split('/');
  const types = [segs[0], ...segs.slice(1).filter((_, i) => i % 2 === 0)];
  const names = segs.slice(1).filter((_, i) => i % 2 === 1);
  return `${types.join('/')} ${names.join('/')}`;
}

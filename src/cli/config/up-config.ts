import { join, resolve } from 'node:path';
import { TwinError, type LogLevel } from '../../core/index.js';
import type { PortSettings, TwinCompatFlags, FixedListener } from '../../runtime/index.js';
import { collectInputs, filesFromDirectory, type DeploymentFiles } from '../inputs.js';
import { DEFAULT_LOCATION, DEFAULT_PORT_BASE, DEFAULT_RESOURCE_GROUP, DEFAULT_STATE_DIR, DEFAULT_SUBSCRIPTION } from '../defaults.js';
import type { LoadedProject } from './project-file.js';
import type { TemplateLinkRoot } from '../../arm/index.js';
import { parseLinkRoots } from '../link-roots.js';

/** What was given on the command line of `trustline up` (undefined = not given). */
export interface UpFlags {
  dirs: string[];
  template: string[];
  parameters: string[];
  inMemory?: boolean;
  state?: string;
  port?: number;
  portBase?: number;
  proxyPort?: number;
  proxy?: boolean;
  auth?: boolean;
  strict?: boolean;
  siteDispatch?: 'in-process' | 'sockets';
  deploymentStepDelay?: number;
  readyFile?: string;
  backend: string[];
  directory: string[];
  imdsIdentity: string[];
  /** `--link-root PREFIX=DIR` (repeatable). */
  linkRoot?: string[];
  tenant?: string;
  loose?: boolean;
  logLevel?: LogLevel;
}

/** The merged configuration of `trustline up` (defaults < trustline.json < flags), as `--print-config` shows it. */
export interface UpConfig {
  /** The project file read, if any. */
  configFile?: string;
  deployments: DeploymentFiles[];
  /** Undefined: a tenantId parameter of the first deployment, else the fixed local tenant. */
  tenant?: string;
  subscription: string;
  resourceGroup: string;
  location: string;
  directory: string[];
  imdsIdentities: string[];
  backends: Record<string, string>;
  /** Offline mirrors of http(s) links: linked templates and API Management's policy/import links (`--link-root`). */
  linkRoots: TemplateLinkRoot[];
  state: string;
  inMemory: boolean;
  readyFile: string;
  proxy: boolean;
  /** The control plane requires ARM's bearer token (default true; `--no-auth`). */
  auth: boolean;
  /** Refuse resource types the twin would only store (`--strict`). */
  strict: boolean;
  /** How the gateway reaches the twin's own sites (`--site-dispatch`; default in-process, sockets when TRUSTLINE_SITE_DISPATCH=sockets). */
  siteDispatch: 'in-process' | 'sockets';
  /** Simulated provisioning time per resource of a control-plane deployment, ms (`--deployment-step-delay`; default 0). */
  deploymentStepDelayMs: number;
  ports: PortSettings;
  logLevel: LogLevel;
  loose: boolean;
  compat: TwinCompatFlags;
}

function parseBackends(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf('=');
    if (i <= 0) throw new TwinError('ERR_CLI_INPUT', `--backend takes SITE=URL, got '${item}'`);
    const url = item.slice(i + 1);
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new TwinError('ERR_CLI_INPUT', `--backend ${item}: '${url}' is not an http(s) URL`);
    out[item.slice(0, i)] = url;
  }
  return out;
}

const FIXED: readonly FixedListener[] = ['controlPlane', 'controlPlaneHttp', 'proxy', 'identity', 'identityHttp', 'echoHttp', 'echo', 'scm', 'scmHttp'];

/** Merge defaults, the project file and the flags. Paths come out absolute. */
export function mergeUpConfig(flags: UpFlags, project: LoadedProject | undefined, cwd: string): UpConfig {
  const file = project?.config ?? {};
  const cliDeployments = flags.dirs.length > 0 || flags.template.length > 0;
  const deployments = cliDeployments
    ? collectInputs(flags.dirs.map((d) => resolve(cwd, d)), flags.template.map((t) => resolve(cwd, t)), flags.parameters.map((p) => resolve(cwd, p)))
    : (file.deployments ?? []).map((d) => (typeof d === 'string' ? filesFromDirectory(d) : collectInputs([], [d.template], d.parameters ? [d.parameters] : [])[0]!));
  if (!cliDeployments && flags.parameters.length > 0) throw new TwinError('ERR_CLI_INPUT', 'each --parameters needs a --template before it');
  const state = flags.state !== undefined ? resolve(cwd, flags.state) : (file.state ?? resolve(cwd, DEFAULT_STATE_DIR));
  const { base, sites, apim, ...pinnedFile } = file.ports ?? {};
  const pinned: PortSettings['pinned'] = {};
  for (const k of FIXED) if (pinnedFile[k] !== undefined) pinned[k] = pinnedFile[k];
  if (flags.port !== undefined) pinned.controlPlane = flags.port;
  if (flags.proxyPort !== undefined) pinned.proxy = flags.proxyPort;
  const backends = { ...(file.backends ?? {}), ...parseBackends(flags.backend) };
  return {
    ...(project ? { configFile: project.file } : {}),
    deployments,
    ...((flags.tenant ?? file.tenant) ? { tenant: flags.tenant ?? file.tenant } : {}),
    subscription: file.subscription ?? DEFAULT_SUBSCRIPTION,
    resourceGroup: file.resourceGroup ?? DEFAULT_RESOURCE_GROUP,
    location: file.location ?? DEFAULT_LOCATION,
    directory: flags.directory.length > 0 ? flags.directory.map((d) => resolve(cwd, d)) : (file.directory ?? []),
    imdsIdentities: flags.imdsIdentity.length > 0 ? flags.imdsIdentity : (file.imdsIdentities ?? []),
    backends,
    linkRoots: parseLinkRoots(flags.linkRoot, cwd),
    state,
    inMemory: flags.inMemory ?? file.inMemory ?? false,
    readyFile: flags.readyFile !== undefined ? resolve(cwd, flags.readyFile) : (file.readyFile ?? join(state, 'ready.json')),
    proxy: flags.proxy ?? file.proxy ?? true,
    auth: flags.auth ?? file.auth ?? true,
    strict: flags.strict ?? file.strict ?? false,
    siteDispatch: flags.siteDispatch ?? file.siteDispatch ?? (process.env.TRUSTLINE_SITE_DISPATCH === 'sockets' ? 'sockets' : 'in-process'),
    deploymentStepDelayMs: flags.deploymentStepDelay ?? file.deploymentStepDelayMs ?? 0,
    ports: { base: flags.portBase ?? base ?? DEFAULT_PORT_BASE, pinned, sites: sites ?? {}, apim: apim ?? {} },
    logLevel: flags.logLevel ?? file.logLevel ?? 'info',
    loose: flags.loose ?? file.loose ?? false,
    compat: file.compat ?? {},
  };
}

/** The ready file other commands read: the flag, else the project file's `readyFile`, else `<state>/ready.json`. */
export function readyFileOf(project: LoadedProject | undefined, cwd: string): string {
  const file = project?.config;
  if (file?.readyFile) return file.readyFile;
  return join(file?.state ?? resolve(cwd, DEFAULT_STATE_DIR), 'ready.json');
}

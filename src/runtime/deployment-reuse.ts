import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DeployInput, DeployResult, DeploymentScope } from '../arm/index.js';
import type { Store } from '../state/index.js';

/**
 * Start-up deployments that need not run again (`trustline up` with a persisted state folder).
 *
 * The deployments of a start are evaluated again unless all of this is the same as when the last start succeeded:
 * for each template its text (and file), parameters, deployment name and mode, the scope (tenant, subscription,
 * resource group, location), `--loose`/`--strict`, the build of the twin; and the whole state that start left
 * behind (every resource and directory object, hashed once its deployments and directory files were applied). The state already holds what the deployment wrote, so serving it again
 * serves the same; anything changed since (a control-plane deployment, a directory command, another template) and
 * it runs as before. Templates whose result can differ from one evaluation to the next (`utcNow()`, `newGuid()`)
 * or that read other files (`templateLink`, `relativePath`) always run.
 */

const META_KEY = 'up.deployments';
const NOT_REPEATABLE = /utcnow|newguid|templatelink|relativepath/i;

export interface ReuseOptions {
  scope: DeploymentScope;
  loose?: boolean;
  strict?: boolean;
}

interface Recorded {
  inputs: string[];
  state: string;
  results: Array<Pick<DeployResult, 'resources' | 'stored' | 'outputs' | 'warnings'>>;
}

/** This build of the twin: a rebuilt dist/ (or edited source) evaluates templates anew. */
const BUILD = (() => {
  try {
    const s = statSync(fileURLToPath(import.meta.url));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return String(Date.now());
  }
})();

/** The hash of everything a deployment's outcome depends on besides the state, or undefined when it must always run. */
export function deploymentInputHash(input: DeployInput, options: ReuseOptions): string | undefined {
  const t = input.template as { text?: unknown; file?: unknown } | undefined;
  const template = t && typeof t === 'object' && typeof t.text === 'string' ? { text: t.text, file: t.file ?? null } : { json: JSON.stringify(input.template) };
  const text = ('text' in template ? template.text : template.json) ?? '';
  if (NOT_REPEATABLE.test(text)) return undefined;
  return sha256(
    JSON.stringify({
      build: BUILD,
      template,
      parameters: input.parameters ?? null,
      name: input.deploymentName,
      mode: input.mode ?? 'Incremental',
      scopeKind: input.scopeKind ?? null,
      scope: options.scope,
      loose: options.loose === true,
      strict: options.strict === true,
    }),
  );
}

/** The hash of the whole state: every resource and every directory object. */
export function stateHash(store: Store): string {
  const h = createHash('sha256');
  for (const r of store.listResources()) h.update(JSON.stringify(r)).update('\n');
  h.update('\u0000');
  for (const o of store.listDirectoryObjects()) h.update(JSON.stringify(o)).update('\n');
  return h.digest('base64url');
}

/**
 * The results recorded for this sequence of start-up deployments when every input is the same and the state is as
 * the last successful start left it (after its deployments and directory files), else undefined.
 */
export function reusableDeployments(store: Store, inputs: readonly DeployInput[], options: ReuseOptions): DeployResult[] | undefined {
  const raw = store.getMeta(META_KEY);
  if (!raw) return undefined;
  const hashes = inputHashes(inputs, options);
  if (!hashes) return undefined;
  let recorded: Recorded;
  try {
    recorded = JSON.parse(raw) as Recorded;
  } catch {
    return undefined;
  }
  if (JSON.stringify(recorded.inputs) !== JSON.stringify(hashes) || recorded.state !== stateHash(store)) return undefined;
  return recorded.results.map((r) => ({ ...r }));
}

/** Remember a successful start: its deployments' inputs and results, and the state it leaves. */
export function recordDeployments(store: Store, inputs: readonly DeployInput[], results: readonly DeployResult[], options: ReuseOptions): void {
  const hashes = inputHashes(inputs, options);
  if (!hashes) {
    if (store.getMeta(META_KEY)) store.setMeta(META_KEY, '');
    return;
  }
  const recorded: Recorded = {
    inputs: hashes,
    state: stateHash(store),
    results: results.map((r) => ({ resources: r.resources, stored: r.stored, outputs: r.outputs, warnings: r.warnings })),
  };
  const value = JSON.stringify(recorded);
  // An unchanged start writes nothing (a commit is a disk sync).
  if (store.getMeta(META_KEY) !== value) store.setMeta(META_KEY, value);
}

function inputHashes(inputs: readonly DeployInput[], options: ReuseOptions): string[] | undefined {
  const hashes: string[] = [];
  for (const input of inputs) {
    const h = deploymentInputHash(input, options);
    if (h === undefined) return undefined;
    hashes.push(h);
  }
  return hashes;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

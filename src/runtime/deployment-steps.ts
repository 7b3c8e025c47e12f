import type { ChangeSet, DeployResult, ExpandedResource } from '../arm/index.js';
import { applyChanges } from '../arm/index.js';
import type { Store } from '../state/index.js';
import { TwinError, isTwinError } from '../core/index.js';

/** The twin error a deployment stopped by `cancel` rejects with. */
export const CANCELED = 'ERR_RUNTIME_DEPLOYMENT_CANCELED';

/** How one deployment runs (Twin.deploy's second argument). */
export interface DeployHow {
  thread?: 'main' | 'worker';
  /** `cancel`: stops the deployment before its next resource (what is written stays). */
  signal?: AbortSignal;
  /**
   * The template passed evaluation (ARM's validation); its resources are about to be written. `evaluated`: the
   * evaluation (what will be written; its `expanded` resources give the deployment's providers and dependencies), absent
   * when a resource provider refused a resource during evaluation.
   */
  onAccepted?: (evaluated?: DeployResult) => void;
  /** A resource is about to be written. */
  onStep?: (id: string) => void;
  /** false: no deployment history (a control-plane resource write runs as a one-resource deployment). */
  history?: boolean;
}

/** A deployment stopped by `cancel`; `details.written`: the resources it wrote before it stopped (they stay). */
export function canceledError(deploymentName: string, written: string[]): TwinError {
  return new TwinError(CANCELED, `The deployment '${deploymentName}' was canceled after ${written.length} resource(s).`, { details: { written } });
}

/**
 * What a failed evaluation deployed before a resource provider refused a resource (the engine's `details.partial`,
 * arm/deployment/engine.ts): the ids in deployment order and their change set. Undefined: nothing to keep.
 */
export function partialOf(e: unknown): { resources: string[]; changes: ChangeSet; evaluated: DeployResult } | undefined {
  const p = isTwinError(e) ? (e.details as { partial?: { resources?: unknown; changes?: unknown; expanded?: unknown; parameters?: unknown } } | undefined)?.partial : undefined;
  if (!p || !Array.isArray(p.resources) || !p.changes) return undefined;
  const resources = p.resources.filter((x): x is string => typeof x === 'string');
  const evaluated: DeployResult = {
    resources,
    stored: [],
    outputs: {},
    warnings: [],
    ...(Array.isArray(p.expanded) ? { expanded: p.expanded as ExpandedResource[] } : {}),
    ...(p.parameters && typeof p.parameters === 'object' ? { parameters: p.parameters as Record<string, unknown> } : {}),
  };
  return { resources, changes: p.changes as ChangeSet, evaluated };
}

/** The same failure, naming what was written before it (`details.written`, which stays) instead of the change set. */
export function failedAfter(e: TwinError, written: string[]): TwinError {
  const { partial: _partial, ...details } = e.details ?? {};
  return new TwinError(e.code, e.message, { ...(e.location ? { location: e.location } : {}), details: { ...details, written }, cause: e });
}

/** The resources a canceled or failed deployment wrote before it stopped (they stay). */
export function writtenBefore(e: TwinError): string[] {
  const w = (e.details as { written?: unknown } | undefined)?.written;
  return Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * A deployment's change set cut into one step per resource, in deployment order: the resource's record, the
 * records under it that no other step names (children a provider writes with it) and the directory objects it
 * owns (a managed identity's service principal). What is left (Complete mode's deletions, the deployment
 * records) is the last step, as ARM deletes after it deployed.
 */
export function stepsOf(result: Pick<DeployResult, 'resources'>, changes: ChangeSet): Array<{ id: string | undefined; changes: ChangeSet }> {
  const ordered = result.resources.map((id) => id.toLowerCase());
  const named = new Set(ordered);
  const taken = new Set<string>();
  const takenDirectory = new Set<string>();
  const steps: Array<{ id: string | undefined; changes: ChangeSet }> = [];
  for (const [i, key] of ordered.entries()) {
    const mine = changes.resources.filter(
      (c) => !taken.has(c.key) && c.record !== null && (c.key === key || (c.key.startsWith(key + '/') && !named.has(c.key))),
    );
    for (const c of mine) taken.add(c.key);
    const directory = changes.directory.filter((d) => d.object !== null && !takenDirectory.has(d.objectId) && d.object.resourceId?.toLowerCase() === key);
    for (const d of directory) takenDirectory.add(d.objectId);
    if (mine.length > 0 || directory.length > 0) steps.push({ id: result.resources[i], changes: { resources: mine, directory, meta: [] } });
  }
  steps.push({
    id: undefined,
    changes: {
      resources: changes.resources.filter((c) => !taken.has(c.key)),
      directory: changes.directory.filter((d) => !takenDirectory.has(d.objectId)),
      meta: changes.meta,
    },
  });
  return steps;
}

export interface StepOptions {
  signal?: AbortSignal;
  /** Simulated provisioning time of each resource (ms; default 0: the next resource after a turn of the event loop). */
  stepDelayMs?: number;
  /** Called before a resource is written (the deployment is then `Running`). */
  onStep?: (id: string) => void;
  /** false: only the resources' own steps (a failed deployment's part), not what is left (deployment records, deletions). */
  leftover?: boolean;
}

/**
 * Write a deployment resource by resource, each in its own store transaction, giving the event loop a turn
 * between them: a `cancel` (the signal) stops it between two resources. Resolves to the ids written and whether
 * it was stopped; what is written stays written, as ARM leaves a canceled deployment's resources in place.
 */
export async function commitInSteps(store: Store, result: Pick<DeployResult, 'resources'>, changes: ChangeSet, options: StepOptions = {}): Promise<{ written: string[]; canceled: boolean }> {
  const written: string[] = [];
  const steps = stepsOf(result, changes);
  if (options.leftover === false) steps.pop();
  for (const step of steps) {
    await pause(options.stepDelayMs ?? 0, options.signal);
    if (options.signal?.aborted) return { written, canceled: true };
    if (step.id !== undefined) options.onStep?.(step.id);
    applyChanges(store, step.changes);
    if (step.id !== undefined) written.push(step.id);
  }
  return { written, canceled: false };
}

/** Wait `ms` (one turn of the event loop for 0); a cancel ends the wait at once. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || !signal) return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

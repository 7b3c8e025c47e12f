import type { Clock, IdGenerator, Logger } from '../../core/index.js';
import { describeError, isTwinError, reverseTicksId } from '../../core/index.js';
import type { ResourceRecord, Store } from '../../state/index.js';
import type { DeployInput, DeployResult, DeploymentScope } from '../../arm/index.js';
import { deletedByCompleteMode, FAILED_WRITTEN_KEY } from '../../arm/index.js';
import { deploymentFailedError, failedOperationsOf, failedResourceId, failuresOf, isDeploymentFailure, operationError, resourceError, validationError } from './deployment-errors.js';
import {
  DEPLOYMENTS_TYPE,
  EXPORT_KEY,
  INPUT_KEY,
  clearOperations,
  armTimestamp,
  isoDuration,
  loadOperations,
  outputOperation,
  providersOf,
  resourceOperation,
  saveOperations,
  templateHash,
  typeOfId,
  nameOfId,
  deploymentSummary,
  type DeploymentSummary,
  type DeploymentOperation,
  type StoredInput,
} from './deployment-history.js';
import { armHttpError, type ArmErrorBody } from './wire.js';

export { typeOfId } from './deployment-history.js';
import { CANCELED, writtenBefore, type DeployHow } from '../deployment-steps.js';

export interface DeploymentRequest {
  name: string;
  template: unknown;
  parameters: Record<string, unknown>;
  mode: 'Incremental' | 'Complete';
  location?: string;
  tags?: Record<string, string>;
  onErrorDeployment?: { type: 'LastSuccessful' | 'SpecificDeployment'; deploymentName?: string };
  /** The PUT's `x-ms-correlation-request-id` (the client's, else ARM's request id): the deployment's `correlationId`. */
  correlationId?: string;
}

export interface DeploymentServiceOptions {
  store: Store;
  scope: DeploymentScope;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /**
   * Deploy into the twin (commit + reconcile listeners). Throws TwinError. `onAccepted` is called once the template
   * was evaluated (ARM's validation passed) and before its resources are written; `signal` stops it before the next
   * resource (`ERR_RUNTIME_DEPLOYMENT_CANCELED`, details.written: what was written and stays).
   */
  deploy(input: DeployInput, how?: DeployHow): Promise<DeployResult>;
  /** The scope this service's deployments go to: the resource group (default) or the subscription. */
  at?: 'resourceGroup' | 'subscription';
  /** Shared with the other scope's service: the twin changes one deployment or write at a time. */
  serial?: Serial;
}

/** Runs work one at a time, in arrival order. */
export class Serial {
  #queue: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.#queue.then(work);
    this.#queue = turn.catch(() => undefined);
    return turn;
  }
}

interface Active {
  /** `Accepted` while it waits for its turn or is evaluated; `Running` once its first resource is written. */
  state: 'Accepted' | 'Running';
  controller: AbortController;
  since: number;
  req: DeploymentRequest;
  correlationId: string;
  /** Operations so far, while it runs: the resources written (`Succeeded`) and the one being written (`Running`). */
  progress: DeploymentOperation[];
  /** ARM's job id of this run (`…/operationStatuses/{jobId}`): `long.MaxValue` minus the start's .NET ticks. */
  jobId: string;
  /** Known once the template is validated: providers, dependencies, the parameters as the record shows them. */
  summary?: DeploymentSummary & { parameters?: Record<string, unknown> };
}

/** ARM's terminal provisioning states. */
const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

/**
 * Resource-group deployments and their history: one at a time, in arrival order (ARM runs them
 * concurrently; the twin's store is one resource group). Each deployment leaves a record
 * (`Microsoft.Resources/deployments`) with ARM's properties and one operation per resource.
 */
export class DeploymentService {
  readonly #o: DeploymentServiceOptions;
  readonly #active = new Map<string, Active>();
  readonly #serial: Serial;
  #lastJobId = '';

  constructor(options: DeploymentServiceOptions) {
    this.#o = options;
    this.#serial = options.serial ?? new Serial();
  }

  get at(): 'resourceGroup' | 'subscription' {
    return this.#o.at ?? 'resourceGroup';
  }

  /**
   * What a deployment input says about its scope: the subscription route forces subscription scope; on the resource
   * group's route the template's `$schema` decides, as for `trustline up` (a management-group template deploys there).
   */
  get scopeKindInput(): { scopeKind?: 'subscription' } {
    return this.at === 'subscription' ? { scopeKind: 'subscription' } : {};
  }

  /** The id of the scope (`/subscriptions/{s}/resourceGroups/{rg}` or `/subscriptions/{s}`). */
  get scopeId(): string {
    const sub = `/subscriptions/${this.#o.scope.subscriptionId}`;
    return this.at === 'subscription' ? sub : `${sub}/resourceGroups/${this.#o.scope.resourceGroup}`;
  }

  idOf(name: string): string {
    return `${this.scopeId}/providers/${DEPLOYMENTS_TYPE}/${name}`;
  }

  get(name: string): ResourceRecord | undefined {
    const record = this.#o.store.getResource(this.idOf(name));
    const active = this.#active.get(name.toLowerCase());
    if (active) return this.#inProgress(active);
    return record && record.type.toLowerCase() === DEPLOYMENTS_TYPE.toLowerCase() ? record : undefined;
  }

  list(): ResourceRecord[] {
    const prefix = `${this.scopeId}/providers/${DEPLOYMENTS_TYPE}/`.toLowerCase();
    const stored = this.#o.store.listResources({ type: DEPLOYMENTS_TYPE }).filter((r) => r.id.toLowerCase().startsWith(prefix));
    const names = new Set(stored.map((r) => r.name.toLowerCase()));
    const out = stored.map((r) => this.get(r.name) ?? r);
    for (const name of this.#active.keys()) if (!names.has(name)) out.push(this.get(name)!);
    return out;
  }

  operations(name: string): DeploymentOperation[] {
    const active = this.#active.get(name.toLowerCase());
    if (active) return active.progress.map((o) => structuredClone(o));
    return loadOperations(this.#o.store, this.idOf(name));
  }

  /** A resource of a running deployment is being written: the previous one is done; this one is `Running`. */
  #step(active: Active, id: string): void {
    active.state = 'Running';
    const { clock, ids } = this.#o;
    const last = active.progress[active.progress.length - 1];
    if (last) last.properties.provisioningState = 'Succeeded';
    const op = resourceOperation({ deploymentId: this.idOf(active.req.name), ids, clock, record: { id, type: typeOfId(id), name: nameOfId(id) }, existed: this.#o.store.getResource(id) !== undefined, durationMs: 0 });
    op.properties.provisioningState = 'Running';
    active.progress.push(op);
  }

  /** The stored input of a deployment (`exportTemplate`, `onErrorDeployment`). */
  input(name: string): StoredInput | undefined {
    return this.#o.store.getResource(this.idOf(name))?.listResults?.[INPUT_KEY] as StoredInput | undefined;
  }

  /** Run `work` alone: deployments and the control plane's resource writes change the twin one at a time, in arrival order. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#serial.run(work);
  }

  /** A deployment that has not ended, as ARM answers it: what was asked, its state, no outputs yet. */
  #inProgress(a: Active): ResourceRecord {
    const { req } = a;
    const onError = req.onErrorDeployment ? this.#onErrorTarget(req) : undefined;
    return {
      ...this.#head(req),
      properties: {
        templateHash: templateHash(req.template),
        parameters: a.summary?.parameters ?? req.parameters,
        mode: req.mode,
        provisioningState: a.state,
        timestamp: armTimestamp(a.since),
        duration: isoDuration(this.#o.clock.now() - a.since),
        correlationId: a.correlationId,
        ...(a.summary ? { providers: a.summary.providers, dependencies: a.summary.dependencies } : {}),
        ...(onError ? { onErrorDeployment: onError } : {}),
      },
    };
  }

  /** The deployment's providers and dependencies from its evaluated template. */
  #summary(req: DeploymentRequest, evaluated: DeployResult): DeploymentSummary {
    return deploymentSummary(evaluated.expanded, req.name, req.location ?? this.#o.scope.location);
  }

  /** id, type, name, location and tags of a deployment's record. */
  #head(req: DeploymentRequest): Pick<ResourceRecord, 'id' | 'type' | 'name' | 'location' | 'tags'> {
    return { id: this.idOf(req.name), type: DEPLOYMENTS_TYPE, name: req.name, ...(req.location ? { location: req.location } : {}), ...(req.tags ? { tags: req.tags } : {}) };
  }

  /** `onErrorDeployment` as ARM answers it: `LastSuccessful` names the deployment it would redeploy. */
  #onErrorTarget(req: DeploymentRequest): { type: string; deploymentName?: string } {
    const on = req.onErrorDeployment!;
    const target = on.type === 'SpecificDeployment' ? on.deploymentName : this.#lastSuccessful(req.name)?.name;
    return { type: on.type, ...(target ? { deploymentName: target } : {}) };
  }

  /**
   * Start a deployment, as ARM's PUT does: it resolves once the template passed the synchronous validation (the
   * record is then `Running`, or already final when the evaluation was quicker than the answer) and the deployment
   * goes on; `done` settles with the final record. Validation errors (template, parameters, names) reject with
   * ARM's 400 and leave no record; what fails later is recorded `Failed` (or `Canceled`).
   */
  async start(req: DeploymentRequest): Promise<{ created: boolean; record: ResourceRecord; done: Promise<ResourceRecord>; jobId: string }> {
    const key = req.name.toLowerCase();
    const current = this.get(req.name);
    if (current && !TERMINAL.has(String(current.properties['provisioningState']).toLowerCase())) {
      throw armHttpError(409, 'DeploymentActive', `Unable to edit or replace deployment '${req.name}': previous deployment from '${String(current.properties['timestamp'])}' is still active (state: ${String(current.properties['provisioningState'])}). Please see https://aka.ms/arm-deploy-resources for usage details.`);
    }
    const created = current === undefined;
    const since = this.#o.clock.now();
    const active: Active = { state: 'Accepted', controller: new AbortController(), since, req, correlationId: req.correlationId ?? this.#o.ids.uuid(), progress: [], jobId: this.#jobId(since) };
    this.#active.set(key, active);
    let accept!: () => void;
    const accepted = new Promise<void>((resolve) => (accept = resolve));
    const done = this.exclusive(async () => {
      if (active.controller.signal.aborted) return this.#record(req, { state: 'Canceled', started: active.since, result: undefined, error: undefined });
      const onAccepted = (evaluated?: DeployResult) => {
        if (evaluated) active.summary = { ...this.#summary(req, evaluated), ...(evaluated.parameters ? { parameters: evaluated.parameters } : {}) };
        accept();
      };
      return this.#execute(req, { signal: active.controller.signal, onAccepted, onStep: (id) => this.#step(active, id) });
    }).finally(() => this.#active.delete(key));
    // The PUT answers once the template passed validation (201/200, `Accepted`, as ARM's PUT answers; the client
    // polls Azure-AsyncOperation for the end), or a validation error rejects it with ARM's 400. The resources are
    // written after the answer; a resource its provider refuses fails the deployment, seen by polling.
    await Promise.race([accepted, done]);
    return { created, record: this.#inProgress({ ...active, state: 'Accepted' }), done, jobId: active.jobId };
  }

  /** A job id as ARM derives it from the start time; unique even for starts within the same clock tick. */
  #jobId(ms: number): string {
    let id = reverseTicksId(ms);
    // Later starts have smaller ids (equal width, so string order is numeric order).
    if (this.#lastJobId && id >= this.#lastJobId) id = (BigInt(this.#lastJobId) - 1n).toString().padStart(20, '0');
    this.#lastJobId = id;
    return id;
  }

  /** The `operationresults` token of a what-if, shaped as ARM's: base64url JSON `{jobId, jobLocation}`. */
  whatIfJobToken(): string {
    const job = { jobId: `DeploymentWhatIfJob-${this.#o.ids.uuid().toUpperCase()}`, jobLocation: this.#o.scope.location };
    return Buffer.from(JSON.stringify(job)).toString('base64url');
  }

  /** Now, as ARM writes a deployment's `timestamp`. */
  timestamp(): string {
    return armTimestamp(this.#o.clock.now());
  }

  /**
   * Record a deployment that ran outside the control plane (`trustline up`, `Twin.deploy`), as one of its own:
   * ARM's properties, one operation per resource, the template for `exportTemplate`. `before`: ids that existed.
   */
  recordFinished(req: DeploymentRequest, result: DeployResult, started: number, before: Map<string, string>): void {
    this.#record(req, { state: 'Succeeded', started, result, error: undefined, before });
  }

  /**
   * `POST {deployment}/cancel` (Learn, Deployments - Cancel: only while `Accepted` or `Running`; the state becomes
   * `Canceled` and the resources already deployed stay): a deployment waiting for its turn never starts; a running
   * one stops before its next resource.
   */
  cancel(name: string): void {
    const active = this.#active.get(name.toLowerCase());
    const record = this.get(name);
    if (!record) throw notFound(name);
    if (!active) {
      const state = String(record.properties['provisioningState']);
      throw armHttpError(409, 'DeploymentCannotBeCancelled', `The deployment '${name}' cannot be cancelled because it is in state '${state}'.`);
    }
    active.controller.abort();
  }

  /** `DELETE {deployment}`: removes the history entry (never the resources). */
  delete(name: string): boolean {
    const record = this.get(name);
    if (!record) return false;
    if (this.#active.has(name.toLowerCase())) {
      throw armHttpError(409, 'DeploymentActive', `The deployment '${name}' cannot be deleted while it is active (state: ${String(record.properties['provisioningState'])}).`);
    }
    this.#o.store.transaction((tx) => tx.deleteResource(record.id));
    clearOperations(this.#o.store, record.id);
    return true;
  }

  async #execute(req: DeploymentRequest, how: DeployHow = {}): Promise<ResourceRecord> {
    const started = this.#o.clock.now();
    const before = new Map(this.#o.store.listResources({ idPrefix: this.scopeId + '/' }).map((r) => [r.id.toLowerCase(), r.id] as const));
    let accepted = false;
    let result: DeployResult;
    try {
      const run: DeployHow = {
        ...how,
        onAccepted: (evaluated) => {
          accepted = true;
          how.onAccepted?.(evaluated);
        },
      };
      result = await this.#o.deploy({ deploymentName: req.name, template: req.template, parameters: req.parameters, mode: req.mode, ...this.scopeKindInput }, run);
    } catch (e) {
      if (isTwinError(e) && e.code === CANCELED) {
        const written = writtenBefore(e);
        this.#o.logger.info(`deployment ${req.name} canceled after ${written.length} resource(s)`);
        return this.#record(req, { state: 'Canceled', started, result: { resources: written, stored: [], outputs: {}, warnings: [] }, error: undefined, before });
      }
      // Before acceptance a template error is ARM's synchronous 400 (no record); after it, the deployment fails.
      if (!accepted && !isDeploymentFailure(e)) throw validationError(e);
      // A resource its provider refused: the PUT answers now (Accepted), the failure is seen by polling, as in ARM.
      if (!accepted) how.onAccepted?.();
      this.#o.logger.warn(`deployment ${req.name} failed: ${describeError(e)}`);
      // What a resource provider's refusal left deployed (written before it, as ARM keeps it) has its operations.
      const kept = isTwinError(e) ? writtenBefore(e) : [];
      const record = this.#record(req, { state: 'Failed', started, result: kept.length ? { resources: kept, stored: [], outputs: {}, warnings: [] } : undefined, error: e, before });
      if (req.onErrorDeployment) return this.#rollback(req, record);
      return record;
    }
    return this.#record(req, { state: 'Succeeded', started, result, error: undefined, before });
  }

  /** `onErrorDeployment`: redeploy the last successful (or the named) deployment's template and parameters. */
  async #rollback(req: DeploymentRequest, failed: ResourceRecord): Promise<ResourceRecord> {
    const on = req.onErrorDeployment!;
    const target = this.#onErrorTarget(req).deploymentName;
    const input = target ? this.input(target) : undefined;
    let state = 'Failed';
    if (target && input) {
      try {
        await this.#execute({ name: target, template: input.template, parameters: input.parameters, mode: input.mode });
        state = String(this.get(target)?.properties['provisioningState'] ?? 'Failed');
      } catch (e) {
        this.#o.logger.warn(`onErrorDeployment ${target} failed: ${describeError(e)}`);
      }
    }
    const updated: ResourceRecord = {
      ...failed,
      properties: { ...failed.properties, onErrorDeployment: { type: on.type, ...(target ? { deploymentName: target } : {}), provisioningState: state } },
    };
    this.#o.store.transaction((tx) => tx.putResource(updated));
    return updated;
  }

  #lastSuccessful(exclude: string): ResourceRecord | undefined {
    const prefix = `${this.scopeId}/providers/${DEPLOYMENTS_TYPE}/`.toLowerCase();
    return this.#o.store
      .listResources({ type: DEPLOYMENTS_TYPE })
      .filter((r) => r.id.toLowerCase().startsWith(prefix) && !this.#active.has(r.name.toLowerCase()))
      .filter((r) => r.name.toLowerCase() !== exclude.toLowerCase() && r.properties['provisioningState'] === 'Succeeded' && r.listResults?.[INPUT_KEY])
      // (by time, not by text: ARM's timestamps drop trailing zeros, so `…:02Z` is earlier than `…:02.5Z`)
      .sort((a, b) => Date.parse(String(b.properties['timestamp'])) - Date.parse(String(a.properties['timestamp'])))[0];
  }

  #record(
    req: DeploymentRequest,
    r: { state: 'Succeeded' | 'Failed' | 'Canceled'; started: number; result: DeployResult | undefined; error: unknown; before?: Map<string, string> },
  ): ResourceRecord {
    const { store, clock, ids } = this.#o;
    const id = this.idOf(req.name);
    const engineRecord = store.getResource(id);
    const now = clock.now();
    const all = (r.result?.resources ?? []).map((rid) => store.getResource(rid)).filter((x): x is ResourceRecord => x !== undefined);
    // A nested deployment is one operation of its parent; what it deploys are its own operations, as ARM lists them.
    const nested = all.filter((w) => w.type.toLowerCase() === DEPLOYMENTS_TYPE.toLowerCase());
    // (a nested deployment in which a resource failed has no outputResources; the engine keeps what it wrote)
    const childrenOf = (d: ResourceRecord) =>
      [...((d.properties['outputResources'] ?? []) as Array<{ id?: unknown }>).map((o) => String(o.id ?? '')), ...((d.listResults?.[FAILED_WRITTEN_KEY] ?? []) as string[])].map((x) => x.toLowerCase());
    const inner = new Set(nested.flatMap(childrenOf));
    // Resources that failed (a deployment that went on after a failure): each one failed operation, never a succeeded one.
    const failures = r.state === 'Failed' ? failuresOf(r.error) : undefined;
    const failedIds = new Set((failures ?? []).map((f) => f.resourceId.toLowerCase()));
    const written = all.filter((w) => !inner.has(w.id.toLowerCase()) && !failedIds.has(w.id.toLowerCase()));
    const per = all.length ? (now - r.started) / all.length : 0;
    const opsOf = (deploymentId: string, list: ResourceRecord[]) =>
      list.map((w) => resourceOperation({ deploymentId, ids, clock, record: w, existed: r.before?.has(w.id.toLowerCase()) ?? false, durationMs: per }));
    const failedOpsOf = (deploymentId: string) =>
      failedOperationsOf(deploymentId, failures ?? []).map((f) =>
        resourceOperation({ deploymentId, ids, clock, record: { id: f.resourceId, type: typeOfId(f.resourceId), name: nameOfId(f.resourceId) }, existed: r.before?.has(f.resourceId.toLowerCase()) ?? false, failed: operationError(f, failures!), durationMs: per }),
      );
    for (const d of nested) {
      const mine = new Set(childrenOf(d));
      saveOperations(store, d.id, [...opsOf(d.id, all.filter((w) => mine.has(w.id.toLowerCase()) && !failedIds.has(w.id.toLowerCase()))), ...failedOpsOf(d.id)]);
      // A nested deployment that failed carries its own DeploymentFailed error, as ARM records it.
      if (failedIds.has(d.id.toLowerCase())) store.transaction((tx) => tx.putResource({ ...d, properties: { ...d.properties, error: deploymentFailedError(r.error, d.id) } }));
    }
    const ops: DeploymentOperation[] = opsOf(id, written);
    // The operations a client saw while it ran keep their ids.
    const seen = new Map((this.#active.get(req.name.toLowerCase())?.progress ?? []).map((o) => [o.properties.targetResource?.id.toLowerCase(), o] as const));
    for (const op of ops) {
      const before = seen.get(op.properties.targetResource?.id.toLowerCase());
      if (!before) continue;
      Object.assign(op, { id: before.id, operationId: before.operationId });
      op.properties.trackingId = before.properties.trackingId;
    }
    let error: ArmErrorBody | undefined;
    if (r.state === 'Failed') {
      error = deploymentFailedError(r.error, id);
      const target = failedResourceId(r.error);
      if (failures) ops.push(...failedOpsOf(id));
      else if (target) {
        const type = typeOfId(target);
        ops.push(resourceOperation({ deploymentId: id, ids, clock, record: { id: target, type, name: nameOfId(target) }, existed: r.before?.has(target.toLowerCase()) ?? false, failed: resourceError(r.error), durationMs: now - r.started }));
      }
    }
    if (r.state === 'Succeeded' && req.mode === 'Complete') {
      // Complete mode removed what the template no longer has: one Delete operation for each resource ARM deletes (a
      // type Complete mode deletes, complete-mode.ts); what went with a deleted parent has no operation of its own.
      const gone = [...(r.before?.values() ?? [])].filter((g) => typeOfId(g).toLowerCase() !== DEPLOYMENTS_TYPE.toLowerCase() && !store.getResource(g));
      const goneLower = gone.map((g) => g.toLowerCase());
      for (const g of gone) {
        const type = typeOfId(g);
        const lower = g.toLowerCase();
        if (!deletedByCompleteMode(type) || goneLower.some((p) => p !== lower && lower.startsWith(`${p}/`))) continue;
        ops.push(resourceOperation({ deploymentId: id, ids, clock, record: { id: g, type, name: nameOfId(g) }, existed: true, durationMs: 0, operation: 'Delete' }));
      }
    }
    if (r.state === 'Succeeded' && r.result && Object.keys(r.result.outputs).length > 0) ops.push(outputOperation(id, ids, clock));
    const engineProps = r.state === 'Succeeded' ? (engineRecord?.properties ?? {}) : {};
    // What validation found (the PUT's answer showed it already); a deployment recorded after it ran (`trustline up`) from its result.
    const summary = this.#active.get(req.name.toLowerCase())?.summary ?? (r.result?.expanded ? this.#summary(req, r.result) : undefined);
    const input: StoredInput = { template: req.template, parameters: req.parameters, mode: req.mode };
    const record: ResourceRecord = {
      ...this.#head(req),
      properties: {
        templateHash: templateHash(req.template),
        parameters: engineProps['parameters'] ?? this.#active.get(req.name.toLowerCase())?.summary?.parameters ?? {},
        mode: req.mode,
        provisioningState: r.state,
        timestamp: armTimestamp(now),
        duration: isoDuration(now - r.started),
        // The correlation id the PUT answered, kept to the end (ARM's is one per deployment request).
        correlationId: this.#active.get(req.name.toLowerCase())?.correlationId ?? ids.uuid(),
        ...(summary ? { providers: summary.providers, dependencies: summary.dependencies } : { providers: providersOf(all, this.#o.scope.location), dependencies: [] }),
        ...(r.state === 'Succeeded' ? { outputs: engineProps['outputs'] ?? {}, outputResources: all.map((w) => ({ id: w.id })) } : {}),
        ...(req.onErrorDeployment ? { onErrorDeployment: { ...req.onErrorDeployment } } : {}),
        ...(error ? { error } : {}),
      },
      // The engine's own results (listOutputsWithSecureValues) stay next to the twin's.
      listResults: { ...(r.state === 'Succeeded' ? (engineRecord?.listResults ?? {}) : {}), [EXPORT_KEY]: { template: req.template }, [INPUT_KEY]: input },
    };
    store.transaction((tx) => tx.putResource(record));
    saveOperations(store, id, ops);
    return record;
  }
}

export function notFound(name: string) {
  return armHttpError(404, 'DeploymentNotFound', `Deployment '${name}' could not be found.`);
}

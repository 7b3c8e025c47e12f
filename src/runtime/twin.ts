import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostTable, createHttpClient, describeError, isTwinError, type HttpClient, type LogLevel } from '../core/index.js';
import { openStore, type Store } from '../state/index.js';
import { deploy as armDeploy, deployOffThread, evaluateDeployment, evaluateOffThread, supportedTypes, type DeployInput, type DeployResult } from '../arm/index.js';
import type { IdentityService } from '../identity/index.js';
import { startListenerPair } from './listener.js';
import { createInProcessSiteHost, type SiteHost } from './site-host.js';
import { createWorkerSiteHost } from './worker-site-host.js';
import { IDENTITY_HOSTS } from './hosts.js';
import { ECHO_FUNCTIONS, echoFunction } from './echo-function.js';
import { loadOrCreateLocalTls, type LocalTls } from './local-ca.js';
import { createReconciler, mapAzureHosts } from './reconciler.js';
import { createConsoleSource, type ConsoleFactory } from './console-source.js';
import { consoleKeyOf } from './console-key.js';
import { createComposer } from './console-composer.js';
import { apimGatewayAction } from './apim-gateway-actions.js';
import { projectReady } from './ready-projection.js';
import { createControlPlane } from './control-plane.js';
import { createBearerAuthenticator } from './control-plane/bearer-auth.js';
import { ensureCliPrincipal } from './cli-principal.js';
import { captureState, reconcileError, restoreState } from './deployment-rollback.js';
import { canceledError, commitInSteps, failedAfter, partialOf, type DeployHow } from './deployment-steps.js';
import type { ReadyInfo } from './ready-info.js';
import { createPortPlan, type PortSettings } from './ports.js';
import { startForwardProxy, type ForwardProxy } from './forward-proxy.js';
import { scmSite } from './scm-site.js';
import { createDecisionLog, DECISION_LOG_CAPACITY, type DecisionLog, type SiteDecision } from './decision-log.js';
import { createRequestLog } from './request-capture.js';
import { createCustomHostTls } from './custom-host-tls.js';
import { recordDeployments, reusableDeployments } from './deployment-reuse.js';
import { managedIdentityTokens } from './managed-identity-tokens.js';
import { createTwinIdentity } from './twin-identity.js';
import { armDeployOptions, deploymentScope, type DeploySettings } from './deploy-options.js';

export type { TwinCompatFlags } from './compat-flags.js';

/** `DeploySettings`: the tenant, subscription, group and location, loose/strict, link roots, compat flags, clock, ids, logger. */
export interface TwinOptions extends DeploySettings {
  /** State folder (SQLite database, local CA). Created when missing. */
  stateDir?: string;
  /** Keep resources in memory (the CA still goes to `stateDir`, or a fresh temp folder). */
  inMemory?: boolean;
  /** Site name → URL of the user's own function host; other sites use the built-in echo function. */
  backends?: Record<string, string>;
  /** Control-plane https port (0 = random); overrides `ports`. */
  port?: number;
  /** Where the listeners listen: a base port with documented offsets, pinned ports (default: random everywhere). */
  ports?: PortSettings;
  /** Serve the HTTP forward proxy that routes Azure host names to the twin (default true). */
  proxy?: boolean;
  /** How many decision records `trustline explain` can look back on (default 1000). */
  decisionLogSize?: number;
  /**
   * Where the site listeners run: `worker` (a worker thread, so the Easy Auth hop and the gateway hop
   * use different cores; needs the compiled dist/ files and uses the system clock) or `main` (default).
   */
  siteThread?: 'main' | 'worker';
  /**
   * How the gateway reaches a site of this twin: `in-process` (default; the site's handler is called directly,
   * runtime/site-dispatch.ts, with the same bytes and headers reaching the function) or `sockets` (real http over
   * 127.0.0.1). A site host on a worker thread is always reached over sockets. Default: `sockets` when the
   * environment variable TRUSTLINE_SITE_DISPATCH is `sockets` (to run a test suite the other way), else `in-process`.
   */
  siteDispatch?: 'in-process' | 'sockets';
  /**
   * Managed identities the IMDS endpoint hands out (resource or identity names, client ids, object
   * ids, resource ids; `*` for all). Default none: IMDS has no secret (docs/security.md).
   */
  imdsIdentities?: readonly string[];
  /** Worker threads signing the token endpoint's tokens (identity `signingWorkers`); default 0 (inline). */
  signingWorkers?: number;
  /**
   * Where templates are evaluated: `worker` (a worker thread, so that listeners keep serving during a
   * heavy deployment; needs the compiled dist/ files) or `main` (default, for tests with injected clocks).
   */
  deployThread?: 'main' | 'worker';
  /**
   * Simulated provisioning time of each resource a control-plane deployment writes (ms, default 0): clients see
   * the deployment `Running` and can cancel it between resources, as in Azure.
   */
  deploymentStepDelayMs?: number;
  /** Log level for the site worker. */
  logLevel?: LogLevel;
  /**
   * The control plane requires a bearer token from the twin's Entra ID, as ARM does (default true);
   * false: anyone on this machine may deploy (`trustline up --no-auth`).
   */
  controlPlaneAuth?: boolean;
  /**
   * The web console at the control plane's `/` (src/console's `createConsole`, passed in by the CLI): read-only views
   * of the chain, the last requests' decisions and the keys. Its link carries a secret (`console` in the ready file)
   * unless the control plane is open (`controlPlaneAuth: false`). Absent: `/` lists the resources only.
   */
  console?: ConsoleFactory;
}

export interface Twin {
  readonly store: Store;
  readonly identity: IdentityService;
  /**
   * Deploy a template. `thread` overrides `deployThread` for this call: `trustline up` evaluates its own
   * start-up templates on the main thread (nothing is served yet, and a worker's start costs more than the
   * seed's evaluation), the control plane's deployments on the worker.
   */
  deploy(input: DeployInput, how?: DeployHow): Promise<DeployResult>;
  /**
   * The results of `trustline up`'s start-up deployments as the last successful start recorded them, when none of
   * their inputs and nothing in the state changed since (runtime/deployment-reuse.ts): the state already holds what
   * they wrote, so they need not be evaluated again. Undefined: deploy them.
   */
  reusableDeployments(inputs: readonly DeployInput[]): DeployResult[] | undefined;
  /** Record a successful start's deployments (after its directory files too) for `reusableDeployments`. */
  recordDeployments(inputs: readonly DeployInput[], results: readonly DeployResult[]): void;
  /** Decision records of recent requests (gateway and sites). */
  readonly decisions: DecisionLog;
  ready(): ReadyInfo;
  /**
   * Called with `ready()` each time what the twin serves may have changed after start: a deployment (through the
   * control plane, `trustline deploy`, or `deploy()`), a resource written or deleted through the control plane.
   * `trustline up` rewrites its ready file from it. Returns the unsubscribe function.
   */
  onReadyChange(listener: (ready: ReadyInfo) => void): () => void;
  close(): Promise<void>;
}

/**
 * Starts the whole twin: identity (Entra + managed identity endpoints), the control plane,
 * and one listener pair per site and per APIM service found in the store, kept in step with
 * the store after every deployment.
 */
export async function startTwin(options: TwinOptions): Promise<Twin> {
  const { logger, clock, ids } = options;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'trustline-'));
  const store = options.inMemory ? openStore({ inMemory: true }) : openStore({ dir: stateDir, logger });
  const tls: LocalTls = await loadOrCreateLocalTls(stateDir, logger);
  const hosts = new HostTable();
  // Certificates of the custom domains deployed (site host name bindings, APIM Proxy host names), issued when asked for.
  const customTls = createCustomHostTls(tls.ca, logger);
  const decisions = createDecisionLog(options.decisionLogSize);
  // The requests from outside, kept beside their decision records for the console's replay (request-capture.ts).
  const requestLog = createRequestLog(options.decisionLogSize ?? DECISION_LOG_CAPACITY);
  // A site's record brings its request along (from the site worker too): it goes to the request log, never into the
  // decision records `trustline explain` serves (it holds the caller's secrets).
  const recordSiteDecision = (record: SiteDecision): void => {
    if (record.request) {
      requestLog.add(record.requestId, record.request);
      record.request = undefined;
    }
    decisions.add(record);
  };
  const siteDispatch = options.siteDispatch ?? (process.env.TRUSTLINE_SITE_DISPATCH === 'sockets' ? 'sockets' : 'in-process');
  const client: HttpClient = createHttpClient({ resolver: hosts, ca: tls.ca.cert, inProcess: siteDispatch === 'in-process' });
  const ports = createPortPlan({
    ...options.ports,
    pinned: { ...options.ports?.pinned, ...(options.port !== undefined ? { controlPlane: options.port } : {}) },
  });
  // What has started so far is closed again when a later step fails (e.g. a taken port).
  const started: Array<{ close(): Promise<void> }> = [];
  const own = <T extends { close(): Promise<void> }>(c: T): T => {
    started.push(c);
    return c;
  };
  const guard = async <T>(step: Promise<T>): Promise<T> => {
    try {
      return await step;
    } catch (e) {
      await Promise.all(started.map((c) => c.close().catch(() => undefined)));
      await client.close();
      store.close();
      throw e;
    }
  };
  const scope = deploymentScope(options);

  // Identity: its signing keys are kept in the store (meta identity.keys) so tokens stay valid across restarts.
  const { identity, identityHeader } = await createTwinIdentity({
    store,
    tenantId: options.tenantId,
    ...(options.compat?.identity ? { compat: options.compat.identity } : {}),
    ...(options.imdsIdentities ? { imdsIdentities: options.imdsIdentities } : {}),
    ...(options.signingWorkers ? { signingWorkers: options.signingWorkers } : {}),
    clock,
    ids,
    logger,
  });
  // Its signing workers keep the process alive: a later failed start step (a taken port) stops them too.
  own({ close: async () => identity.close() });
  const identityListeners = own(await guard(startListenerPair(identity.handler, { tls: tls.server, logger, name: 'identity', httpsPort: ports.fixed('identity'), httpPort: ports.fixed('identityHttp') })));
  for (const h of IDENTITY_HOSTS) {
    hosts.set(h, { http: identityListeners.httpUrl, https: identityListeners.httpsUrl });
  }

  // The built-in function backend (plain http, like a local `func start`).
  const echo = own(await guard(startListenerPair(echoFunction, { tls: tls.server, logger, name: 'echo', httpsPort: ports.fixed('echo'), httpPort: ports.fixed('echoHttp') })));

  // Site listeners (Easy Auth → function backend): on a worker thread, or on this one (tests with an injected clock).
  const siteHost: SiteHost =
    options.siteThread === 'worker'
      ? createWorkerSiteHost({
          tls: tls.server,
          ca: tls.ca.cert,
          caKey: tls.ca.key,
          identity: { http: identityListeners.httpUrl, https: identityListeners.httpsUrl },
          logLevel: options.logLevel ?? 'info',
        }, recordSiteDecision)
      : createInProcessSiteHost({ tls: tls.server, client, clock, logger, browserIdentityOrigin: identityListeners.httpsUrl, onDecision: recordSiteDecision, customTls });
  own(siteHost);
  const tokens = (serviceId: string) => managedIdentityTokens(identity, serviceId);

  // Sites served by the user's own function host (`--backend`), by lower-case name.
  const backendNames = new Set(Object.keys(options.backends ?? {}).map((n) => n.toLowerCase()));
  const reconciler = createReconciler({
    store,
    siteHost,
    client,
    tls: tls.server,
    // Client certificates the local CA issues chain to a trusted root, as a public CA's do in Azure (docs/differences.md).
    trustedRoots: [tls.ca.cert],
    backends: options.backends ?? {},
    defaultBackend: echo.httpUrl,
    easyAuthFlags: options.compat?.easyAuth,
    gatewayFlags: options.compat?.gateway,
    tokens,
    loose: options.loose,
    ports,
    onGatewayDecision: decisions.add,
    onGatewayRequest: requestLog.add,
    customTls,
    clock,
    logger,
  });
  own(reconciler);
  mapAzureHosts(hosts, reconciler);
  // Kudu hosts of deployed sites answer that the twin does not play them (rather than being refused by the proxy).
  const scm = own(await guard(startListenerPair(scmSite, { tls: tls.server, logger, name: 'scm', httpsPort: ports.fixed('scm'), httpPort: ports.fixed('scmHttp') })));
  hosts.addSuffix('.scm.azurewebsites.net', (label) => (reconciler.sites.has(label) ? { http: scm.httpUrl, https: scm.httpsUrl } : undefined));
  const reconcile = () => reconciler.reconcile();
  // What the twin serves changed (the listeners are in step with the store again): tell the ready file's writer.
  const readyListeners = new Set<(ready: ReadyInfo) => void>();
  const changed = (): void => {
    if (readyListeners.size === 0) return;
    const info = ready();
    for (const l of readyListeners) {
      try {
        l(info);
      } catch (e) {
        logger.warn(`ready-file listener failed: ${describeError(e)}`);
      }
    }
  };

  const deploy = async (input: DeployInput, how: DeployHow = {}): Promise<DeployResult> => {
    try {
      return await deployAndServe(input, how);
    } finally {
      changed();
    }
  };
  const deployAndServe = async (input: DeployInput, how: DeployHow): Promise<DeployResult> => {
    const deployOptions = armDeployOptions(options, store);
    // One compile path: what the runtime cannot serve fails the deployment, and the twin goes back to what it ran before.
    const before = captureState(store);
    const started = clock.now();
    const thread = how.thread ?? options.deployThread ?? 'main';
    let result: DeployResult;
    let canceled: string[] | undefined;
    if (!how.signal && !how.onAccepted) {
      result = thread === 'worker' ? await deployOffThread(input, deployOptions) : armDeploy(input, deployOptions);
    } else {
      // The control plane's deployments: evaluated whole first (ARM's validation), then written resource by
      // resource, so that the PUT answers while it runs and a cancel stops it between two resources.
      let evaluated: Awaited<ReturnType<typeof evaluateOffThread>>;
      // A refused resource fails alone (its dependents are not attempted), as ARM runs the dependency graph.
      const controlPlaneOptions = { ...deployOptions, continueAfterFailure: (options.compat?.controlPlane?.afterResourceFailure ?? 'continue') === 'continue' };
      try {
        evaluated = thread === 'worker' ? await evaluateOffThread(input, controlPlaneOptions) : evaluateDeployment(input, controlPlaneOptions);
      } catch (e) {
        throw await keepDeployedPart(e, how);
      }
      if (how.signal?.aborted) throw canceledError(input.deploymentName, []);
      result = evaluated.result;
      how.onAccepted?.(result);
      const run = await commitInSteps(store, result, evaluated.changes, {
        ...(how.signal ? { signal: how.signal } : {}),
        ...(options.deploymentStepDelayMs ? { stepDelayMs: options.deploymentStepDelayMs } : {}),
        ...(how.onStep ? { onStep: how.onStep } : {}),
      });
      if (run.canceled) canceled = run.written;
      else deployOptions.logger.info('deployment succeeded', { deployment: input.deploymentName, resources: result.resources.length, mode: input.mode ?? 'Incremental' });
    }
    const failures = await reconcile();
    if (failures.length > 0) {
      restoreState(store, before);
      await reconcile();
      // A canceled deployment keeps what it wrote, unless the runtime could not serve that part alone.
      if (canceled) throw canceledError(input.deploymentName, []);
      throw reconcileError(failures);
    }
    if (canceled) throw canceledError(input.deploymentName, canceled);
    // Outside the control plane (`trustline up`, a library caller), the deployment gets the same history record.
    if (!how.signal && !how.onAccepted && how.history !== false) {
      controlPlane.recordDeployment(input, result, started, new Map(before.resources.map((r) => [r.id.toLowerCase(), r.id] as const)));
    }
    return result;
  };

  /**
   * A resource provider refused a resource of a control-plane deployment: as in ARM, the resources deployed before it
   * stay (written one by one, as a running deployment writes them) and the deployment fails. What the runtime cannot
   * serve of that part goes back to what ran before. Resolves to the failure naming what stays (`details.written`).
   */
  const keepDeployedPart = async (e: unknown, how: DeployHow): Promise<unknown> => {
    const partial = partialOf(e);
    if (!partial || !isTwinError(e)) return e;
    const before = captureState(store);
    how.onAccepted?.(partial.evaluated);
    const run = await commitInSteps(store, partial, partial.changes, {
      leftover: false,
      ...(how.signal ? { signal: how.signal } : {}),
      ...(options.deploymentStepDelayMs ? { stepDelayMs: options.deploymentStepDelayMs } : {}),
      ...(how.onStep ? { onStep: how.onStep } : {}),
    });
    if ((await reconcile()).length > 0) {
      restoreState(store, before);
      await reconcile();
      return failedAfter(e, []);
    }
    return failedAfter(e, run.written);
  };

  const controlPlaneAuth = options.controlPlaneAuth !== false;
  const cliPrincipal = controlPlaneAuth ? ensureCliPrincipal({ stateDir, tenantId: options.tenantId, identity, ids, logger }) : undefined;
  // The console's link secret: crypto-random whatever the injected ids are (it guards the decision records), kept in the state folder.
  const consoleKey = options.console && controlPlaneAuth ? consoleKeyOf(stateDir, logger) : undefined;
  // The console's request composer calls the listeners by their Azure host names over real sockets (own client, closed with the twin).
  const composer = own(createComposer({ store, ready: () => ready(), identity, decisions, requests: requestLog, hosts, ca: tls.ca.cert, secrets: () => [identityHeader, ...(consoleKey ? [consoleKey] : [])] }));
  const controlPlane = createControlPlane({
    store,
    scope,
    clock,
    ids,
    deploy,
    evaluate: async (input, target) => {
      const evalOptions = armDeployOptions(options, target);
      return options.deployThread === 'worker' ? deployOffThread(input, evalOptions) : armDeploy(input, evalOptions);
    },
    reconcile,
    changed,
    supportedTypes: supportedTypes(),
    loginEndpoint: () => identityListeners.httpsUrl,
    liveAction: (targetId, action, readBody) => apimGatewayAction(reconciler.services, targetId, action, readBody),
    // A function app served by the built-in echo has the echo's functions; the code of a --backend host is not known.
    codeFunctions: (site) => (backendNames.has(site.name.split('/').join('-').toLowerCase()) ? [] : ECHO_FUNCTIONS),
    decisions: (requestId, last) => {
      const value = requestId ? decisions.related(requestId) : decisions.requests(last);
      return value && { value };
    },
    logger: logger.child('control-plane'),
    ...(options.console
      ? { console: options.console(createConsoleSource({ store, ready: () => ready(), decisions, signingKeys: () => identity.signingKeys(), consoleKey, composer })) }
      : {}),
    ...(!controlPlaneAuth
      ? {}
      : { authenticate: createBearerAuthenticator({ tenantId: options.tenantId, httpClient: client, clock, logger: logger.child('control-plane') }) }),
    // RBAC needs a caller: with --no-auth there is none, and nothing is checked.
    ...(controlPlaneAuth && options.compat?.controlPlane?.enforceRbac ? { rbac: { owners: cliPrincipal ? [cliPrincipal.credential.clientId] : [] } } : {}),
    ...(options.compat?.controlPlane?.throttle ? { throttle: true } : {}),
  });
  const cp = own(await guard(startListenerPair(controlPlane, { tls: tls.server, logger, name: 'control plane', httpsPort: ports.fixed('controlPlane'), httpPort: ports.fixed('controlPlaneHttp') })));
  hosts.set('management.azure.com', { http: cp.httpUrl, https: cp.httpsUrl });
  const proxy: ForwardProxy | undefined =
    options.proxy === false ? undefined : own(await guard(startForwardProxy({ hosts, client, port: ports.fixed('proxy'), logger })));
  await guard(reconciler.reconcile());

  function ready(): ReadyInfo {
    return projectReady({
      store,
      reconciler,
      controlPlane: cp,
      identity: identityListeners,
      identityHeader,
      proxy: proxy?.url,
      caFile: tls.caFile,
      tenantId: options.tenantId,
      subscriptionId: options.subscriptionId,
      resourceGroup: options.resourceGroup,
      controlPlaneAuth,
      ...(cliPrincipal ? { cliCredential: cliPrincipal.file } : {}),
      ...(consoleKey ? { consoleKey } : {}),
    });
  }

  return {
    store,
    identity,
    decisions,
    deploy,
    reusableDeployments: (inputs) => reusableDeployments(store, inputs, { scope, loose: options.loose, strict: options.strict }),
    recordDeployments: (inputs, results) => recordDeployments(store, inputs, results, { scope, loose: options.loose, strict: options.strict }),
    ready,
    onReadyChange(listener) {
      readyListeners.add(listener);
      return () => readyListeners.delete(listener);
    },
    async close() {
      readyListeners.clear();
      await reconciler.close();
      await composer.close();
      identity.close();
      await Promise.all([
        siteHost.close(),
        identityListeners.close(),
        echo.close(),
        scm.close(),
        cp.close(),
        proxy?.close(),
      ]);
      await client.close();
      store.close();
    },
  };
}


export { startTwin } from './twin.js';
export type { Twin, TwinOptions, TwinCompatFlags } from './twin.js';
export { DEFAULT_PORT_BASE, PORT_OFFSETS, SITE_RANGE, SERVICE_RANGE } from './ports.js';
export type { PortSettings, FixedListener } from './ports.js';
export type { ReadyInfo } from './ready-info.js';
export { echoFunction } from './echo-function.js';
export { armDeferredTls, startListenerPair } from './listener.js';
export type { ListenerPair, RequestHandler } from './listener.js';
// `trustline policy compile | run` (the CLI reaches the gateway through the runtime).
export { compilePolicy, runPolicy } from '../gateway/index.js';
export type { PolicyCompileResult, PolicyFragmentFile, PolicyRunRequest, PolicyRunResult } from '../gateway/index.js';
export { createDecisionLog, DECISION_LOG_CAPACITY, SITE_REQUEST_ID_HEADER, APIM_REQUEST_ID_HEADER } from './decision-log.js';
export type { DecisionLog, DecisionRecord, SiteDecision } from './decision-log.js';
export { renderDecisions } from './explain-tree.js';
export { startStandaloneEasyAuth } from './standalone-easyauth.js';
export type { StandaloneEasyAuth, StandaloneEasyAuthOptions } from './standalone-easyauth.js';
export { loadOrCreateLocalTls } from './local-ca.js';
export { defaultControlPlaneCompatFlags } from './control-plane/rbac.js';
export type { ControlPlaneCompatFlags } from './control-plane/rbac.js';
export { groupRequests } from './console-source.js';
export { truncateToken, MAX_SHOWN_BODY } from './console-composer.js';
export type { ComposedRequest, ComposedResult, ReplayView } from './console-composer.js';
export type { ReplayableRequest } from './request-capture.js';
export { MAX_CAPTURED_BODY } from './request-capture.js';
export type { ConsoleSource, ConsoleFactory, ConsoleHandler, ChainView, SiteChainView, EasyAuthSummary, RequestGroup, DirectoryView } from './console-source.js';
// `trustline lint`: the twin without listeners (same deploy and compile path, Easy Auth and Entra ID in-process).
export { createOfflineTwin } from './offline-twin.js';
export type { OfflineTwin, OfflineTwinOptions, OfflineService, OfflineSiteRequest } from './offline-twin.js';
export type { SiteView } from './site-config.js';

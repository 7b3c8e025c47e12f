export { startTwin } from './twin.js';
export type { Twin, TwinOptions } from './twin.js';
export type { ReadyInfo } from './ready-info.js';
export { echoFunction } from './echo-function.js';
export { startListenerPair } from './listener.js';
export type { ListenerPair, RequestHandler } from './listener.js';
// `trustline policy compile | run` (the CLI reaches the gateway through the runtime).
export { compilePolicy, runPolicy } from '../gateway/index.js';
export type { PolicyCompileResult, PolicyRunRequest, PolicyRunResult } from '../gateway/index.js';

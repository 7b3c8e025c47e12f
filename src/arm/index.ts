export { deploy } from './deployment/engine.js';
export { deployOffThread } from './deployment/off-thread.js';
export type { OffThreadOptions } from './deployment/off-thread.js';
export type { DeploymentScope, DeployOptions, DeployInput, DeployResult } from './deployment/types.js';
export { loadTemplateFile, loadParametersFile } from './template/load.js';
export { supportedTypes } from './providers/registry.js';
export { parseJsonDocument } from './template/jsonc.js';
export type { ParsedDocument } from './template/jsonc.js';

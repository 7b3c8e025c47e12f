export { deploy } from './deployment/engine.js';
export type { DeploymentScope, DeployOptions, DeployInput, DeployResult } from './deployment/types.js';
export { loadTemplateFile, loadParametersFile } from './template/load.js';

import { basename } from 'node:path';
import { loadParametersFile, loadTemplateFile, type DeployInput } from '../arm/index.js';
import { tenantFromParameters, type DeploymentFiles } from './inputs.js';
import { DEFAULT_TENANT } from './defaults.js';

/**
 * The start-up deployments of `trustline up` (and of `trustline lint`, which deploys them as `up` would): each file
 * read and parsed, named `<template>-<n>`, and the tenant (the flag or project file's, else a `tenantId` parameter,
 * else the fixed local tenant).
 */
export function startupInputs(files: readonly DeploymentFiles[], tenant: string | undefined): {
  loaded: Array<{ files: DeploymentFiles; template: { text: string; file: string }; parameters: Record<string, unknown> | undefined }>;
  inputs: DeployInput[];
  tenantId: string;
} {
  const loaded = files.map((f) => ({
    files: f,
    template: loadTemplateFile(f.template),
    parameters: f.parameters ? loadParametersFile(f.parameters) : undefined,
  }));
  const tenantId = tenant ?? loaded.map((l) => tenantFromParameters(l.parameters)).find(Boolean) ?? DEFAULT_TENANT;
  const inputs: DeployInput[] = loaded.map((l, i) => ({ deploymentName: `${basename(l.files.template, '.json')}-${i + 1}`, template: l.template, parameters: l.parameters }));
  return { loaded, inputs, tenantId };
}

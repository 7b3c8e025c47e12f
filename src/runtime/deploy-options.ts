import type { Clock, IdGenerator, Logger } from '../core/index.js';
import type { Store } from '../state/index.js';
import type { DeployOptions, DeploymentScope, TemplateLinkRoot } from '../arm/index.js';
import type { TwinCompatFlags } from './compat-flags.js';

/** What every runtime composition (`trustline up`'s twin, `trustline lint`'s offline twin) deploys with. */
export interface DeploySettings {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  loose?: boolean;
  /** Refuse resource types the twin would only store, not simulate (`--strict`). */
  strict?: boolean;
  /** Offline mirrors of http(s) links for every deployment (linked templates, API Management policy/import links). */
  linkRoots?: readonly TemplateLinkRoot[];
  compat?: TwinCompatFlags;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

export function deploymentScope(settings: DeploySettings): DeploymentScope {
  return { subscriptionId: settings.subscriptionId, resourceGroup: settings.resourceGroup, location: settings.location, tenantId: settings.tenantId };
}

/**
 * The ARM engine's options for a deployment into `store` (the twin's, or a what-if's scratch copy): one place, so that
 * `trustline up`, the control plane, what-if and `trustline lint` evaluate a template alike.
 */
export function armDeployOptions(settings: DeploySettings, store: Store): DeployOptions {
  const builtIn = settings.compat?.gateway?.builtInObjects;
  return {
    store,
    scope: deploymentScope(settings),
    clock: settings.clock,
    ids: settings.ids,
    logger: settings.logger.child('arm'),
    loose: settings.loose,
    strict: settings.strict,
    ...(settings.linkRoots && settings.linkRoots.length > 0 ? { templateLinkRoots: [...settings.linkRoots] } : {}),
    ...(builtIn ? { apimBuiltInObjects: builtIn } : {}),
    ...(settings.compat?.gateway?.namedValuesAfterXmlParse === false ? { apimNamedValuesAfterXmlParse: false } : {}),
  };
}

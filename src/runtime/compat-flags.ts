import type { EasyAuthCompatFlags } from '../easyauth/index.js';
import type { GatewayCompatFlags } from '../gateway/index.js';
import type { IdentityCompatFlags } from '../identity/index.js';
import type { ControlPlaneCompatFlags } from './control-plane/rbac.js';

/** Behaviour Azure does not document, per subsystem (docs/differences.md). */
export interface TwinCompatFlags {
  easyAuth?: Partial<EasyAuthCompatFlags>;
  identity?: Partial<IdentityCompatFlags>;
  gateway?: Partial<GatewayCompatFlags>;
  controlPlane?: Partial<ControlPlaneCompatFlags>;
}

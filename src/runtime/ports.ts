import { TwinError } from '../core/index.js';

/**
 * Stable ports (docs/design/ports.md): like Azurite and the Functions host, `trustline up` listens on fixed ports
 * by default, so that exported URLs stay valid across restarts. Each listener sits at a documented offset from a
 * base port (default 7700); each can be pinned. Base 0 means every listener takes a random free port (tests).
 */
export const DEFAULT_PORT_BASE = 7700;

/** Offsets of the fixed listeners from the base port. */
export const PORT_OFFSETS = {
  controlPlane: 0,
  controlPlaneHttp: 1,
  proxy: 2,
  identity: 3,
  identityHttp: 4,
  echoHttp: 5,
  echo: 6,
  scm: 7,
  scmHttp: 8,
} as const;

export type FixedListener = keyof typeof PORT_OFFSETS;

/** Sites take two ports each (https, http) from base+20, in name order; APIM services from base+60. */
export const SITE_RANGE = { offset: 20, size: 40 } as const;
export const SERVICE_RANGE = { offset: 60, size: 40 } as const;

export interface PortSettings {
  /** Base port; 0 = random ports everywhere (unless pinned). */
  base?: number;
  /** Pinned ports of fixed listeners (0 = random). */
  pinned?: Partial<Record<FixedListener, number>>;
  /** Pinned ports of sites and APIM services by name (`https`, `http`). */
  sites?: Record<string, { https?: number; http?: number }>;
  apim?: Record<string, { https?: number; http?: number }>;
}

export interface PortPlan {
  fixed(name: FixedListener): number;
  /** Ports of a site or APIM service; the slot is the index of the name among those seen, in name order. */
  site(name: string): { https: number; http: number };
  service(name: string): { https: number; http: number };
}

function checkPort(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TwinError('ERR_CLI_PORT', `${what}: ${n} is not a port (0–65535)`);
  return n;
}

/** Names get a slot the first time they are seen (a name seen later gets the next free slot). */
function slots(range: { offset: number; size: number }, base: number, pinned: Record<string, { https?: number; http?: number }>, kind: string) {
  const order = new Map<string, number>();
  return (name: string) => {
    const key = name.toLowerCase();
    const pin = Object.entries(pinned).find(([n]) => n.toLowerCase() === key)?.[1];
    if (base === 0) return { https: pin?.https ?? 0, http: pin?.http ?? 0 };
    let slot = order.get(key);
    if (slot === undefined) {
      slot = order.size;
      order.set(key, slot);
    }
    if (slot * 2 + 1 >= range.size && !pin) {
      throw new TwinError('ERR_RUNTIME_PORT_RANGE', `more than ${range.size / 2} ${kind}s: pin the ports of ${name} (ports.${kind === 'site' ? 'sites' : 'apim'} in trustline.json)`);
    }
    const at = base + range.offset + slot * 2;
    return { https: pin?.https ?? at, http: pin?.http ?? at + 1 };
  };
}

export function createPortPlan(settings: PortSettings = {}): PortPlan {
  const base = checkPort(settings.base ?? 0, 'ports.base');
  for (const [k, v] of Object.entries(settings.pinned ?? {})) checkPort(v, `ports.${k}`);
  const site = slots(SITE_RANGE, base, settings.sites ?? {}, 'site');
  const service = slots(SERVICE_RANGE, base, settings.apim ?? {}, 'APIM service');
  return {
    fixed(name) {
      const pin = settings.pinned?.[name];
      if (pin !== undefined) return pin;
      return base === 0 ? 0 : base + PORT_OFFSETS[name];
    },
    site: (name) => site(name),
    service: (name) => service(name),
  };
}

/** How `trustline up` moves its listeners; a command with other port flags names its own (`portHint`). */
export const UP_PORT_HINT = '--port-base N (0 = random; through npm: `npm start -- --port-base 0`, npm keeps flags before `--` for itself), or pin this listener in trustline.json "ports"';

/** The error for a port that cannot be listened on. */
export function portError(code: string, host: string, port: number, what: string, hint = UP_PORT_HINT): TwinError {
  const why = code === 'EACCES' ? 'is not allowed for this user' : 'is taken (another `trustline up`, or another program)';
  return new TwinError('ERR_RUNTIME_PORT_IN_USE', `cannot listen on ${host}:${port} for ${what}: the port ${why}. Stop the other program, or choose other ports: ${hint}`);
}

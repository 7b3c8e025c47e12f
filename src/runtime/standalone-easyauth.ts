import { HostTable, createHttpClient, systemClock, type Logger } from '../core/index.js';
import { normalizeAuthSettings } from '../easyauth/index.js';
import { IDENTITY_HOSTS } from './hosts.js';
import { startListenerPair, type ListenerPair } from './listener.js';
import { createSiteHandler } from './site-host.js';
import type { SiteDecision } from './decision-log.js';

export interface StandaloneEasyAuthOptions {
  /** An `authsettingsV2` body (its `properties`, or the whole resource). */
  settings: unknown;
  appSettings?: Record<string, string>;
  /** The app behind Easy Auth (e.g. `func start` on http://127.0.0.1:7071). */
  backend: string;
  httpPort: number;
  httpsPort: number;
  tls: { cert: string; key: string };
  /** A running twin: its identity listener plays Azure's Entra host names, its CA is trusted. */
  twin?: { identityOrigin: string; ca: string };
  onDecision?: (record: SiteDecision) => void;
  /** The site name the app is told (`X-SITE-DEPLOYMENT-ID`, `<name>.azurewebsites.net`); default `easyauth`. */
  siteName?: string;
  logger: Logger;
}

export interface StandaloneEasyAuth {
  httpUrl: string;
  httpsUrl: string;
  close(): Promise<void>;
}

/**
 * `trustline easyauth`: the site pipeline of the twin (Easy Auth, App Service's front-end headers, its 502, decision
 * records) in front of any HTTP app, on its own listeners. Bad settings fail here, before anything listens.
 */
export async function startStandaloneEasyAuth(o: StandaloneEasyAuthOptions): Promise<StandaloneEasyAuth> {
  normalizeAuthSettings(o.settings);
  const backend = new URL(o.backend).toString().replace(/\/$/, '');
  const hosts = new HostTable();
  if (o.twin) for (const h of IDENTITY_HOSTS) hosts.set(h, { https: o.twin.identityOrigin });
  const client = createHttpClient({ resolver: hosts, ...(o.twin ? { ca: o.twin.ca } : {}) });
  let listeners: ListenerPair | undefined;
  const handler = createSiteHandler(
    { label: o.siteName ?? 'easyauth', name: o.siteName ?? 'easyauth', authSettings: o.settings, appSettings: o.appSettings ?? {}, backend },
    {
      tls: o.tls,
      client,
      clock: systemClock,
      logger: o.logger,
      ...(o.onDecision ? { onDecision: o.onDecision } : {}),
      // A browser on this machine signs in at the twin's identity listener (/.auth/login/aad redirects there).
      ...(o.twin ? { browserIdentityOrigin: o.twin.identityOrigin } : {}),
    },
    () => listeners,
  );
  try {
    listeners = await startListenerPair(handler, {
      tls: o.tls, logger: o.logger, name: 'easyauth', httpPort: o.httpPort, httpsPort: o.httpsPort,
      portHint: '--port N (http) and --https-port N (default: the http port + 1; 0 = random)',
    });
  } catch (e) {
    await client.close();
    throw e;
  }
  const l = listeners;
  return {
    httpUrl: l.httpUrl,
    httpsUrl: l.httpsUrl,
    async close() {
      await l.close();
      await client.close();
    },
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, HttpClient, Logger, OutgoingHeaders } from '../../core/index.js';
import type { EasyAuthCompatFlags } from '../compat-flags.js';
import type { AuthSettings } from '../settings/types.js';
import type { AuthDecision } from './trace.js';
import type { SessionStore } from '../session/session-store.js';

export interface EasyAuthOptions {
  /** Normalised settings; undefined → platform disabled (pass-through). */
  settings: AuthSettings | undefined;
  /** App settings with the WEBSITE_AUTH_* switches. */
  appSettings?: Record<string, string>;
  /** Fetches OIDC metadata + JWKS (Azure hosts mapped to the local identity listener). */
  httpClient: HttpClient;
  clock: Clock;
  logger: Logger;
  /**
   * Request headers a front end before Easy Auth owns (lower-case names): never forwarded as the client sent them,
   * so that `forward` can add its own to the headers it is given (a fresh object per request) without a copy.
   */
  omitHeaders?: ReadonlySet<string>;
  /** Send the request to the function backend with these request headers (this request's own object). One of `forward` / `forwardRaw` is given. */
  forward?: (req: IncomingMessage, res: ServerResponse, headers: OutgoingHeaders) => void;
  /**
   * When set, called instead of `forward` with the headers as a flat `[name, value, …]` list (this request's own
   * array, taken from its raw header lines; the identity headers appended as encoded once per cached token): no
   * header object is built for a forwarded request.
   */
  forwardRaw?: (req: IncomingMessage, res: ServerResponse, headers: string[]) => void;
  flags?: Partial<EasyAuthCompatFlags>;
  /** Each request's decision (explain / console), with the request it is about (to correlate it with a request id). */
  onTrace?: (trace: AuthDecision, req: IncomingMessage) => void;
  /**
   * Host to name in the https redirect of `requireHttps` for a request that arrived on `host`.
   * Azure redirects to the same host; a twin listening on separate local http and https ports
   * maps its http `127.0.0.1:port` to the https one. Default: the same host.
   */
  httpsHost?: (host: string) => string;
  /** Called for every RS256/PS256 signature verification (diagnostics; tests count cache misses). */
  onVerify?: () => void;
  /** The site's sessions, kept by the host across handler rebuilds (default: a fresh store per handler). */
  sessions?: SessionStore;
  /**
   * The identity listener's origin as a browser on this machine reaches it (e.g. `https://127.0.0.1:7443`):
   * the login redirect of a request that came to a loopback address goes there instead of
   * `https://login.microsoftonline.com`, which only the twin resolves.
   */
  browserIdentityOrigin?: string;
}

export type EasyAuthHandler = (req: IncomingMessage, res: ServerResponse) => void;

import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyNode } from '../policy/xml.js';
import type { CompileContext, PolicyDefinition } from './types.js';
import { optional, required, str } from './util.js';

export interface ProxySettings { url: string; username?: string; password?: string }

/**
 * `<proxy url username password>` (docs/behaviour/apim.md §2): route the backend call (the policy in inbound, for
 * forward-request) or a send-request (the element inside it) through an HTTP proxy. "Only HTTP (not HTTPS) is
 * supported between the gateway and the proxy": a URL that is not `http://host:port` is refused (at load when
 * literal). Credentials go as `Proxy-Authorization: Basic` on the first request (Learn: Basic and NTLM; the twin
 * speaks Basic only, preemptively). An https backend is reached through a CONNECT tunnel.
 */
export function compileProxy(cc: CompileContext, node: PolicyNode): (rc: RequestRun) => ProxySettings {
  const url = required(cc, node, 'url');
  const username = optional(cc, node, 'username');
  const password = optional(cc, node, 'password');
  for (const c of node.children) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <proxy>`);
  const check = (u: string): string | undefined => {
    let parsed: URL;
    try { parsed = new URL(u); } catch { return `the proxy URL '${u}' is not a URL`; }
    if (parsed.protocol !== 'http:') return `the proxy URL '${u}' must be http:// (only HTTP is supported between the gateway and the proxy)`;
    return undefined;
  };
  if (!url.isExpression) {
    const problem = check(url.literal.trim());
    if (problem) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `<proxy>: ${problem}`);
  }
  return (rc) => {
    const u = str(url.get(rc)).trim();
    const problem = url.isExpression ? check(u) : undefined;
    if (problem) throw new PolicyError({ source: 'proxy', reason: 'InvalidProxyUrl', message: problem });
    return {
      url: u,
      ...(username ? { username: str(username.get(rc)) } : {}),
      ...(password ? { password: str(password.get(rc)) } : {}),
    };
  };
}

/** The policy: later forward-requests of this request go through the proxy. */
export const proxy: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['url', 'username', 'password'],
  compile(node, cc, base) {
    const settings = compileProxy(cc, node);
    return {
      ...base,
      run(rc) {
        rc.proxy = settings(rc);
        rc.note(`backend calls go through the proxy ${rc.proxy.url}`);
      },
    };
  },
};

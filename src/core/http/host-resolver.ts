import type { HttpRequestOptions, HttpResponse } from './client.js';
/**
 * Maps Azure host names (`*.azurewebsites.net`, `*.azure-api.net`, `sts.windows.net`,
 * `login.microsoftonline.com`, …) to the local listeners that play them. Everything that
 * makes an outbound call inside the twin (gateway → site, Easy Auth → OIDC metadata)
 * goes through a resolver, so tokens and configs can keep the real Azure URLs.
 */
export interface LocalTarget {
  /** Origin of the plain-http listener, e.g. `http://127.0.0.1:41234`. */
  http?: string;
  /** Origin of the https listener (certificate from the local CA). */
  https?: string;
  /**
   * In-process handlers playing the same listeners (a site that lives in this twin): the HttpClient calls them
   * instead of opening a socket, unless it was created with `inProcess: false`.
   */
  dispatch?: { http?: LocalDispatch; https?: LocalDispatch };
}

/** Serves one request in-process, answering as the listener at that origin would (see runtime/site-dispatch.ts). */
export type LocalDispatch = (url: URL, options: HttpRequestOptions) => Promise<HttpResponse>;

export interface HostResolver {
  /** The local target for a host name (case-insensitive, without port), or undefined. */
  lookup(host: string): LocalTarget | undefined;
}

export class HostTable implements HostResolver {
  readonly #exact = new Map<string, LocalTarget>();
  /** Suffix patterns such as `.azurewebsites.net` → resolver of the first label. */
  readonly #suffixes: Array<{ suffix: string; target: (label: string) => LocalTarget | undefined }> = [];

  set(host: string, target: LocalTarget): void {
    this.#exact.set(host.toLowerCase(), target);
  }

  delete(host: string): void {
    this.#exact.delete(host.toLowerCase());
  }

  addSuffix(suffix: string, target: (label: string) => LocalTarget | undefined): void {
    this.#suffixes.push({ suffix: suffix.toLowerCase(), target });
  }

  lookup(host: string): LocalTarget | undefined {
    const h = host.toLowerCase().replace(/\.$/, '');
    const exact = this.#exact.get(h);
    if (exact) return exact;
    for (const { suffix, target } of this.#suffixes) {
      if (h.endsWith(suffix) && h.length > suffix.length) {
        const t = target(h.slice(0, h.length - suffix.length));
        if (t) return t;
      }
    }
    return undefined;
  }

  entries(): Array<[string, LocalTarget]> {
    return [...this.#exact.entries()];
  }
}

export const emptyResolver: HostResolver = { lookup: () => undefined };

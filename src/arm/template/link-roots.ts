import { existsSync, readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * An offline mirror of `http(s)` links: a URI that starts with `prefix` is read from the file at the rest of the URI
 * below `dir` (query string and fragment dropped, percent-decoding applied), e.g. a repository's raw URL → a checkout.
 * Linked templates (`templateLink.uri`) and API Management's `*-link` documents (policy XML, OpenAPI/WSDL imports)
 * read through the same mirrors: the twin is offline.
 */
export interface LinkRoot {
  prefix: string;
  dir: string;
}

/** The file an offline mirror holds for `uri`, if one does (never outside the mirror's folder). */
export function mirroredFile(uri: string, roots: readonly LinkRoot[]): string | undefined {
  for (const { prefix, dir } of roots) {
    if (!uri.startsWith(prefix)) continue;
    let rest: string;
    try {
      rest = decodeURIComponent(uri.slice(prefix.length).replace(/[?#].*$/, ''));
    } catch {
      continue;
    }
    const root = resolve(dir);
    const file = resolve(root, rest);
    if (file !== root && file.startsWith(root + sep) && existsSync(file)) return file;
  }
  return undefined;
}

/**
 * The file a document link names: a `file:` URL, or an `http(s)` URL below an offline mirror; undefined when the
 * offline twin cannot read it. Throws on a string that is not a URL.
 */
export function linkedDocumentFile(link: string, roots: readonly LinkRoot[]): string | undefined {
  const url = new URL(link);
  if (url.protocol === 'file:') return fileURLToPath(url);
  return /^https?:$/.test(url.protocol) ? mirroredFile(link, roots) : undefined;
}

export function readLinkedDocument(file: string): string {
  return readFileSync(file, 'utf8');
}

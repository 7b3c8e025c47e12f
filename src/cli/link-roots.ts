import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TwinError } from '../core/index.js';
import type { TemplateLinkRoot } from '../arm/index.js';

/**
 * `--link-root PREFIX=DIR` (expand, up): an offline mirror of http(s) links — linked templates and API Management's
 * policy/import links (the first `=` splits; DIR, relative to `cwd`, must be a folder).
 */
export function parseLinkRoots(values: readonly string[] | undefined, cwd = process.cwd()): TemplateLinkRoot[] {
  return (values ?? []).map((v) => {
    const at = v.indexOf('=');
    const prefix = at > 0 ? v.slice(0, at) : '';
    const dir = at > 0 ? resolve(cwd, v.slice(at + 1)) : '';
    if (!prefix || at === v.length - 1) throw new TwinError('ERR_CLI_INPUT', `--link-root takes PREFIX=DIR (e.g. https://example.com/templates/=./mirror), got '${v}'`);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new TwinError('ERR_CLI_INPUT', `--link-root ${prefix}=${v.slice(at + 1)}: '${v.slice(at + 1)}' is not a folder`);
    return { prefix, dir };
  });
}

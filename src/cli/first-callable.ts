import type { ReadyInfo } from '../runtime/index.js';

/** `/apiPath/urlTemplate` of the first GET operation without template parameters. */
export function firstCallable(apis: ReadyInfo['apim'][string]['apis']): string | undefined {
  for (const api of apis) {
    for (const op of api.operations) {
      if (op.method.toUpperCase() === 'GET' && !op.urlTemplate.includes('{')) return joinPath(api.path, op.urlTemplate);
    }
  }
  return undefined;
}

export function joinPath(apiPath: string, template: string): string {
  const a = apiPath.replace(/^\/+|\/+$/g, '');
  const t = template.replace(/^\/+/, '');
  return '/' + [a, t].filter(Boolean).join('/');
}

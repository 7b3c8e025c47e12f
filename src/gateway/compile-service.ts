import { TwinError, type Logger } from '../core/index.js';
import { resolveGatewayCompatFlags, type GatewayCompatFlags } from './compat-flags.js';
import { parseUrl, type ApiInfo, type MutableUrl, type OperationInfo } from './expressions/host.js';
import { composePolicies, type EffectivePipeline } from './policy/compose.js';
import { DEFAULT_GLOBAL_POLICY, loadPolicyDocument, type LoadedPolicy } from './policy/document.js';
import { normalizeApiPath } from './routing.js';
import { parseUrlTemplate, type UrlTemplate } from './url-template.js';
import type { ApiConfig, CompiledServiceHandle, OperationConfig, PolicyDocument, ServiceConfig, SubscriptionConfig } from './types.js';

export interface CompiledOperation {
  readonly config: OperationConfig;
  readonly method: string;
  readonly matcher: UrlTemplate;
  readonly info: OperationInfo;
  readonly pipeline: EffectivePipeline;
}

export interface CompiledApi {
  readonly config: ApiConfig;
  readonly path: string;
  readonly serviceUrl: MutableUrl | null;
  readonly protocols: ReadonlySet<string>;
  readonly subscriptionRequired: boolean;
  readonly info: ApiInfo;
  readonly operations: readonly CompiledOperation[];
  /** global + API (for errors before an operation matched). */
  readonly apiPipeline: EffectivePipeline;
}

/** Everything a request needs, compiled once; swapped atomically by `setService`. */
export interface CompiledService extends CompiledServiceHandle {
  readonly config: ServiceConfig;
  readonly apis: readonly CompiledApi[];
  readonly backends: ReadonlyMap<string, string>;
  readonly subscriptions: readonly SubscriptionConfig[];
  readonly globalPipeline: EffectivePipeline;
}

export interface CompileServiceOptions { loose?: boolean | undefined; logger: Logger; flags?: Partial<GatewayCompatFlags> }

export function compileService(config: ServiceConfig, options: CompileServiceOptions): CompiledService {
  const warnings: string[] = [];
  const loose = options.loose ?? false;
  const defaultProtocols = [...resolveGatewayCompatFlags(options.flags).defaultApiProtocols];
  const load = (doc: PolicyDocument | undefined, scope: string, fallbackSource: string): LoadedPolicy | undefined => {
    if (!doc) return undefined;
    const file = doc.source ?? fallbackSource;
    const loaded = loadPolicyDocument(doc.value, { namedValues: config.namedValues, loose, file, scope });
    if (loaded.kind !== 'policies') {
      throw new TwinError('ERR_APIM_POLICY_STRUCTURE', `A ${scope} policy must have the root <policies>, not <fragment>`, { location: { file } });
    }
    warnings.push(...loaded.warnings);
    return loaded;
  };
  const global = load(config.globalPolicy, 'global', `${config.resourceId}/policies/policy`)
    ?? loadPolicyDocument(DEFAULT_GLOBAL_POLICY, { scope: 'global', file: '(default global policy)' });
  const apis: CompiledApi[] = config.apis.map((api) => {
    const apiDoc = load(api.policy, 'api', `${api.id}/policies/policy`);
    let serviceUrl: MutableUrl | null = null;
    if (api.serviceUrl) {
      try {
        serviceUrl = parseUrl(api.serviceUrl);
      } catch (e) {
        throw new TwinError('ERR_APIM_CONFIG', `API '${api.name}' has an invalid serviceUrl '${api.serviceUrl}'`, { cause: e, location: { file: api.id } });
      }
    }
    const path = normalizeApiPath(api.path);
    const info: ApiInfo = { id: api.name, name: api.name, path: api.path, serviceUrl, protocols: api.protocols ?? defaultProtocols };
    const operations = api.operations.map((op): CompiledOperation => {
      const opDoc = load(op.policy, 'operation', `${op.id}/policies/policy`);
      return {
        config: op,
        method: op.method.toUpperCase(),
        matcher: parseUrlTemplate(op.urlTemplate, { file: op.id }),
        info: { id: op.name, name: op.name, method: op.method.toUpperCase(), urlTemplate: op.urlTemplate },
        pipeline: composePolicies([global, apiDoc, opDoc]),
      };
    }).sort((a, b) => a.matcher.rank - b.matcher.rank);
    return {
      config: api,
      path,
      serviceUrl,
      protocols: new Set((api.protocols ?? defaultProtocols).map((p) => p.toLowerCase())),
      subscriptionRequired: api.subscriptionRequired ?? true,
      info,
      operations,
      apiPipeline: composePolicies([global, apiDoc]),
    };
  }).sort((a, b) => b.path.length - a.path.length);
  for (const w of warnings) options.logger.warn(w);
  return {
    kind: 'compiled-apim-service',
    name: config.name,
    warnings,
    config,
    apis,
    backends: new Map(config.backends.flatMap((b) => [[b.name.toLowerCase(), b.url], [b.id.toLowerCase(), b.url]] as Array<[string, string]>)),
    subscriptions: config.subscriptions ?? [],
    globalPipeline: composePolicies([global]),
  };
}

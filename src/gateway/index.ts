export { compileService, prepareService } from './compile-service.js';
export type { CompiledService, CompiledApi, CompiledOperation, CompileServiceOptions } from './compile-service.js';
export { createGateway } from './gateway.js';
export { loadPolicyDocument, DEFAULT_GLOBAL_POLICY } from './policy/document.js';
export type { LoadedPolicy, LoadPolicyOptions } from './policy/document.js';
export { composePolicies } from './policy/compose.js';
export type { EffectivePipeline } from './policy/compose.js';
export { parsePolicyXml, xmlParseCount } from './policy/xml.js';
export type { PolicyNode } from './policy/xml.js';
export { compileExpression } from './expressions/compile.js';
export type { CompiledExpression } from './expressions/compile.js';
export type { HostContext } from './expressions/host.js';
export { expressionParseCount } from './expressions/parser.js';
export type {
  PolicyDocument, ServiceConfig, ApiConfig, OperationConfig, SubscriptionConfig, ProductConfig, UserConfig, ManagedIdentityTokenProvider,
  GatewayOptions, Gateway, CompiledServiceHandle, ApiSchema, OperationContract, ParameterContract, RepresentationContract, ServiceIdentity,
} from './types.js';
export { defaultGatewayCompatFlags, resolveGatewayCompatFlags } from './compat-flags.js';
export type { GatewayCompatFlags } from './compat-flags.js';
export { parseUrlTemplate, matchUrlTemplate, MAX_URL_TEMPLATE_LENGTH } from './url-template.js';
export type { UrlTemplate } from './url-template.js';
export { readPfx, readCertificateEntity } from './pfx.js';
export type { ClientCertificate } from './pfx.js';
export type { GatewayDecision, DecisionStep, DecisionToken, DecisionBackend } from './pipeline/decision.js';
export type { GatewayEvent } from './pipeline/sink.js';
export type { ProductData, UserData, SubscriptionData, MessageBodyData } from './pipeline/runtime-data.js';
export { TRACE_PATH } from './gateway.js';
export { DebugCredentialsError, type DebugCredentialsRequest } from './debug-trace.js';
export { compilePolicy, runPolicy } from './policy-run.js';
export { operationExamples } from './operation-examples.js';
export type { RepresentationWithExamples } from './operation-examples.js';
export type { PolicyCompileResult, PolicyFragmentFile, PolicyRunBackendAnswer, PolicyRunRequest, PolicyRunResult, PolicyRunOptions } from './policy-run.js';
export { missingManagedIdentity } from './policies/authentication-managed-identity.js';
export { parseScope as parseSubscriptionScope } from './subscriptions.js';
export { maskExpressions, decodeXmlEntities } from './policy/rawxml.js';
export { textRedactor } from './secret-redaction.js';
export type { ExpressionSpan } from './policy/rawxml.js';
export type { Value } from './expressions/values.js';

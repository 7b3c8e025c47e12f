/**
 * Gateway behaviour that Azure does not document (apim spec [?] items): each rule the twin infers is
 * a named flag with the default it believes closest to Azure. docs/differences.md lists them.
 */
export interface GatewayCompatFlags {
  /** Protocols of an API whose `protocols` property is absent. Default `['https']` (the portal's default). */
  defaultApiProtocols: readonly string[];
  /**
   * A subscription key that matches no active subscription, sent to an API that does not require one:
   * `ignore` (default: the call goes on without a subscription) or `reject` (401 invalid key).
   */
  invalidKeyWhenNotRequired: 'ignore' | 'reject';
  /**
   * After a failed `authentication-managed-identity` with `ignore-error="true"`: `leave-unset` (default:
   * no header, no variable) or `empty-bearer` (the policy toolkit's emulator: `Authorization: Bearer ` or `""`).
   */
  ignoredTokenFailure: 'leave-unset' | 'empty-bearer';
  /**
   * validate-client-certificate with `validate-revocation="true"` for a chain whose certificates all say where their
   * revocation status is published (CRL distribution points / OCSP): the twin is offline and cannot fetch it.
   * `assume-good` (default: treated as not revoked, as Azure finds for a certificate that is not revoked) or
   * `offline-fails` (as Windows' chain engine answers when the CRL cannot be fetched). A chain certificate with no such
   * source fails either way, as Windows reports its revocation status unknown.
   */
  clientCertificateRevocation: 'assume-good' | 'offline-fails';
  /**
   * `Ocp-Apim-Trace: true` (with a key that allows tracing, or on an API without subscription): `ignore` (default: as
   * Azure now, which enables tracing only through `Apim-Debug-Authorization` debug credentials) or `honour` (the
   * retired behaviour: `Ocp-Apim-Trace-Location` pointing at the trace, for tooling written against it).
   */
  legacyTraceHeader: 'ignore' | 'honour';
  /**
   * Where a SOAP pass-through API reads a request's SOAP action when the query names none (its operations are
   * `POST /?soapAction={action}`): `header-or-content-type` (default: the `SOAPAction` header of SOAP 1.1, else the
   * `action` parameter of a SOAP 1.2 `application/soap+xml` Content-Type) or `header` (the SOAPAction header only).
   */
  soapAction: 'header-or-content-type' | 'header';
  /**
   * What a new API Management service holds when it is deployed (read by the ARM provider, docs/behaviour/apim.md
   * §3.1): `by-tier` (default: the all-access subscription everywhere; Starter/Unlimited, groups, the admin user and
   * the Echo API by tier as Azure creates them, the v2 tiers' missing groups/admin user being inferred) or `none`.
   */
  builtInObjects: 'by-tier' | 'none';
  /**
   * When a policy's `{{name}}` references are replaced (docs/behaviour/apim.md §1.2): `true` (default) after the XML is
   * read, into attribute values and element text (a value's `"`, `<`, `&` are text); `false` in the document's text
   * before it is read (APIM classic's textual replacement: such a value is markup and can break the document or add
   * elements). Read by the gateway's compiler and by the ARM provider's validation on save.
   */
  namedValuesAfterXmlParse: boolean;
  /**
   * What `context.Api.Name` and `context.Operation.Name` answer: `display-name` (default: the `displayName` of the API /
   * operation, the identifier when it has none; `Id` is the identifier), as `context.Product.Name` and
   * `context.Subscription.Name` answer display names) or `identifier` (the resource name, as `Id`).
   */
  apiOperationName: 'display-name' | 'identifier';
  /**
   * A rewrite-uri `{param}` in the template's query part (docs/behaviour/apim.md §1.7): `one-value` (default: the matched
   * value is one parameter value, its `&`, `=`, `+`, `#` are data and go on escaped) or `textual` (the value is put into
   * the template's text, which is then read as a query string: a `&` in it starts another parameter, `+` reads as a
   * space).
   */
  rewriteUriQueryParameter: 'one-value' | 'textual';
}

export const defaultGatewayCompatFlags: Readonly<GatewayCompatFlags> = Object.freeze({
  defaultApiProtocols: ['https'],
  invalidKeyWhenNotRequired: 'ignore',
  ignoredTokenFailure: 'leave-unset',
  clientCertificateRevocation: 'assume-good',
  legacyTraceHeader: 'ignore',
  soapAction: 'header-or-content-type',
  builtInObjects: 'by-tier',
  namedValuesAfterXmlParse: true,
  apiOperationName: 'display-name',
  rewriteUriQueryParameter: 'one-value',
});

export function resolveGatewayCompatFlags(partial: Partial<GatewayCompatFlags> = {}): GatewayCompatFlags {
  return { ...defaultGatewayCompatFlags, ...partial };
}

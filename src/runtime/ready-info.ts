/** The ready file `trustline up` writes once every listener is up (ARCHITECTURE.md contract). */
export interface ReadyInfo {
  controlPlane: string;
  console: string;
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  caCertificate: string;
  /** Whether the control plane requires a bearer token (false: `trustline up --no-auth`). */
  controlPlaneAuth?: boolean;
  /**
   * The twin CLI's own service principal (`{tenantId, clientId, clientSecret, scope}`, 0600): clients get a
   * control-plane token with it by client credentials at the identity authority, as `az login --service-principal` does.
   */
  cliCredential?: string;
  /** The HTTP forward proxy that routes Azure host names to the twin (`HTTPS_PROXY`); absent when not served. */
  proxy?: string;
  identity: {
    authority: string;
    /** The v2 token endpoint (`POST`, client credentials) on the identity listener. */
    tokenEndpoint: string;
    identityEndpoint: string;
    identityHeader: string;
    imdsEndpoint: string;
  };
  sites: Record<
    string,
    {
      url: string;
      httpUrl: string;
      hostName: string;
      /** Its custom domains (host name bindings; `*.` wildcards as bound), reached through the proxy as in Azure. */
      customHostNames?: string[];
      /** The client id its authsettingsV2 names (the audience a caller's token needs), if Easy Auth has one. */
      clientId?: string;
      /** Its system-assigned identity, if it has one, and that identity's own managed identity endpoint. */
      principalId?: string;
      identityEndpoint?: string;
    }
  >;
  apim: Record<
    string,
    {
      gatewayUrl: string;
      httpGatewayUrl: string;
      hostName: string;
      resourceId: string;
      /** Its custom gateway host names (`hostnameConfigurations` of type Proxy), reached through the proxy as in Azure. */
      customHostNames?: string[];
      principalId?: string;
      clientId?: string;
      /** This service's own managed identity endpoint (IDENTITY_ENDPOINT as its instance has it in Azure). */
      identityEndpoint?: string;
      /** APIs and operations, so that a user (or `trustline test`) knows what to call. */
      apis: Array<{ name: string; path: string; operations: Array<{ name: string; method: string; urlTemplate: string }> }>;
    }
  >;
}

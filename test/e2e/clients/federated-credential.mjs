// Workload identity federation with real clients (own process; NODE_EXTRA_CA_CERTS set by the test). The assertion is
// a managed identity token for api://AzureADTokenExchange from @azure/identity's ManagedIdentityCredential (App Service
// source: IDENTITY_ENDPOINT/IDENTITY_HEADER in the environment). MODE picks who redeems it:
// azure-identity: ClientAssertionCredential(tenant, app, getAssertion); msal: ConfidentialClientApplication with a
// clientAssertion callback; workload: WorkloadIdentityCredential reading the assertion from a token file.
import { writeFileSync } from 'node:fs';
import { ClientAssertionCredential, ManagedIdentityCredential, WorkloadIdentityCredential } from '@azure/identity';
import { ConfidentialClientApplication } from '@azure/msal-node';

const { MODE, AUTHORITY_HOST, TENANT, APP_ID, MI_CLIENT_ID, SCOPE, TOKEN_FILE } = process.env;
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const mi = new ManagedIdentityCredential({ clientId: MI_CLIENT_ID });
let assertionClaims;
const getAssertion = async () => {
  const t = await mi.getToken('api://AzureADTokenExchange/.default');
  assertionClaims = claims(t.token);
  return t.token;
};
try {
  let token;
  if (MODE === 'azure-identity') {
    const credential = new ClientAssertionCredential(TENANT, APP_ID, getAssertion, { authorityHost: AUTHORITY_HOST, disableInstanceDiscovery: true });
    token = (await credential.getToken(SCOPE)).token;
  } else if (MODE === 'msal') {
    const authority = `${AUTHORITY_HOST}/${TENANT}`;
    const cca = new ConfidentialClientApplication({ auth: { clientId: APP_ID, authority, knownAuthorities: [new URL(AUTHORITY_HOST).host], clientAssertion: async () => getAssertion() } });
    token = (await cca.acquireTokenByClientCredential({ scopes: [SCOPE] })).accessToken;
  } else {
    writeFileSync(TOKEN_FILE, await getAssertion());
    const credential = new WorkloadIdentityCredential({ tenantId: TENANT, clientId: APP_ID, tokenFilePath: TOKEN_FILE, authorityHost: AUTHORITY_HOST, disableInstanceDiscovery: true });
    token = (await credential.getToken(SCOPE)).token;
  }
  console.log(JSON.stringify({ token, claims: claims(token), assertionClaims }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e), name: e?.name, errorCode: e?.errorCode, assertionClaims }));
}

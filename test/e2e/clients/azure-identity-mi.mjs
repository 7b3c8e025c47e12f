// @azure/identity managed identity credentials in their own process: CRED=dac (DefaultAzureCredential) or mi
// (ManagedIdentityCredential with MI_OPTIONS as JSON). The environment (IDENTITY_ENDPOINT/IDENTITY_HEADER or
// AZURE_POD_IDENTITY_AUTHORITY_HOST) picks App Service or IMDS, as on Azure.
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';

const { CRED, MI_OPTIONS, SCOPE } = process.env;
try {
  const credential = CRED === 'dac' ? new DefaultAzureCredential() : new ManagedIdentityCredential(JSON.parse(MI_OPTIONS || '{}'));
  const t = await credential.getToken(SCOPE);
  console.log(JSON.stringify({ token: t.token, claims: JSON.parse(Buffer.from(t.token.split('.')[1], 'base64url').toString()) }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e), name: e?.name }));
}

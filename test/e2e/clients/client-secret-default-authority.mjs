// @azure/identity ClientSecretCredential with its default authority host (login.microsoftonline.com), reached
// through HTTPS_PROXY (own process, NODE_EXTRA_CA_CERTS set).
import { ClientSecretCredential } from '@azure/identity';

const { AZURE_TENANT_ID, CLIENT_ID, CLIENT_SECRET, SCOPE } = process.env;
try {
  const t = await new ClientSecretCredential(AZURE_TENANT_ID, CLIENT_ID, CLIENT_SECRET).getToken(SCOPE);
  console.log(JSON.stringify({ token: t.token }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e), name: e?.name }));
}

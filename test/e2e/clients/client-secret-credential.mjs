// @azure/identity ClientSecretCredential against the twin's authority (own process, NODE_EXTRA_CA_CERTS set).
import { ClientSecretCredential } from '@azure/identity';

const { AUTHORITY_HOST, TENANT, CLIENT_ID, CLIENT_SECRET, SCOPE } = process.env;
try {
  const credential = new ClientSecretCredential(TENANT, CLIENT_ID, CLIENT_SECRET, { authorityHost: AUTHORITY_HOST, disableInstanceDiscovery: true });
  const t = await credential.getToken(SCOPE);
  console.log(JSON.stringify({ token: t.token, expiresOnTimestamp: t.expiresOnTimestamp }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e), name: e?.name }));
}

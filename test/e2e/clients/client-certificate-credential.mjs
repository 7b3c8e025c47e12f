// @azure/identity ClientCertificateCredential against the twin's authority (own process, NODE_EXTRA_CA_CERTS set).
import { ClientCertificateCredential } from '@azure/identity';

const { AUTHORITY_HOST, TENANT, CLIENT_ID, CERT_PEM, SCOPE } = process.env;
try {
  const credential = new ClientCertificateCredential(TENANT, CLIENT_ID, { certificate: CERT_PEM }, { authorityHost: AUTHORITY_HOST, disableInstanceDiscovery: true });
  const t = await credential.getToken(SCOPE);
  console.log(JSON.stringify({ token: t.token }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e), name: e?.name }));
}

// The credential every ARM SDK client script uses: the twin CLI's service principal (cliCredential of the
// ready file) through @azure/identity's ClientSecretCredential at the twin's authority, as a CI job would log in.
import { readFileSync } from 'node:fs';
import { ClientSecretCredential } from '@azure/identity';

export function armSetup() {
  const ready = JSON.parse(readFileSync(process.env.READY_FILE, 'utf8'));
  const cred = JSON.parse(readFileSync(ready.cliCredential, 'utf8'));
  const authorityHost = new URL(ready.identity.authority).origin;
  const credential = new ClientSecretCredential(cred.tenantId, cred.clientId, cred.clientSecret, { authorityHost, disableInstanceDiscovery: true });
  const options = { endpoint: ready.controlPlane, credentialScopes: ['https://management.azure.com/.default'], credentials: { scopes: ['https://management.azure.com/.default'] } };
  return { ready, credential, options };
}

export async function report(fn) {
  try {
    console.log(JSON.stringify(await fn()));
  } catch (e) {
    console.log(JSON.stringify({ error: String(e?.message ?? e), code: e?.code, statusCode: e?.statusCode, name: e?.name, stack: String(e?.stack ?? '').split('\n').slice(0, 4).join(' | ') }));
  }
}

export async function all(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}

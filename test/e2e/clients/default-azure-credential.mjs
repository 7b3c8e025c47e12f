// @azure/identity DefaultAzureCredential with nothing but the environment `trustline env` prints (own process).
import { DefaultAzureCredential } from '@azure/identity';

try {
  const t = await new DefaultAzureCredential().getToken(process.env.SCOPE);
  console.log(JSON.stringify({ token: t.token }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e), name: e?.name }));
}

// @azure/msal-node against the twin (own process; NODE_EXTRA_CA_CERTS set by the test). MODE picks the flow:
// client-credential | auth-code (PKCE, driven through the twin's sign-in form) | managed-identity (App Service or
// IMDS, as the environment says).
import { ConfidentialClientApplication, ManagedIdentityApplication, CryptoProvider } from '@azure/msal-node';

const { MODE, AUTHORITY, CLIENT_ID, CLIENT_SECRET, SCOPE, USERNAME, PASSWORD, RESOURCE, MI_ID_PARAMS } = process.env;
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
try {
  if (MODE === 'managed-identity') {
    // MI_ID_PARAMS: msal-node's managedIdentityIdParams (userAssignedClientId | userAssignedObjectId | userAssignedResourceId).
    const app = new ManagedIdentityApplication(MI_ID_PARAMS ? { managedIdentityIdParams: JSON.parse(MI_ID_PARAMS) } : {});
    const r = await app.acquireToken({ resource: RESOURCE });
    console.log(JSON.stringify({ source: app.getManagedIdentitySource(), token: r.accessToken, claims: claims(r.accessToken) }));
  } else {
    const host = new URL(AUTHORITY).host;
    const cca = new ConfidentialClientApplication({ auth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authority: AUTHORITY, knownAuthorities: [host] } });
    if (MODE === 'client-credential') {
      const r = await cca.acquireTokenByClientCredential({ scopes: [SCOPE] });
      console.log(JSON.stringify({ token: r.accessToken, claims: claims(r.accessToken) }));
    } else {
      const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
      const redirectUri = 'http://localhost:3000/redirect';
      const url = await cca.getAuthCodeUrl({ scopes: [SCOPE], redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', loginHint: USERNAME, state: 'st-1' });
      // The "browser": load the sign-in page, fill its username/password form, follow the redirect to read the code.
      const page = await fetch(url);
      const html = await page.text();
      const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)[1].replace(/&amp;/g, '&'), url);
      const ctx = /name="ctx" value="([^"]+)"/.exec(html)[1];
      const prefilled = /name="username" value="([^"]*)"/.exec(html)[1];
      const posted = await fetch(action, { method: 'POST', body: new URLSearchParams({ ctx, username: prefilled, password: PASSWORD }), redirect: 'manual' });
      const back = new URL(posted.headers.get('location'));
      const r = await cca.acquireTokenByCode({ code: back.searchParams.get('code'), scopes: [SCOPE], redirectUri, codeVerifier: verifier });
      console.log(JSON.stringify({ prefilled, state: back.searchParams.get('state'), token: r.accessToken, claims: claims(r.accessToken), idClaims: r.idTokenClaims, account: r.account?.username }));
    }
  }
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e), name: e?.name, errorCode: e?.errorCode }));
}

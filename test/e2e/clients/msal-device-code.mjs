// @azure/msal-node PublicClientApplication.acquireTokenByDeviceCode against the twin (own process; NODE_EXTRA_CA_CERTS
// set by the test). The device code response is printed as a JSON line ({"deviceCode": …}) while msal polls, so that
// the test can play the browser; the last line is the result ({token, claims, idClaims, account} or {error, errorCode}).
import { PublicClientApplication } from '@azure/msal-node';

const { AUTHORITY, CLIENT_ID, SCOPE } = process.env;
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
try {
  const pca = new PublicClientApplication({ auth: { clientId: CLIENT_ID, authority: AUTHORITY, knownAuthorities: [new URL(AUTHORITY).host] } });
  const r = await pca.acquireTokenByDeviceCode({
    scopes: SCOPE.split(' '),
    deviceCodeCallback: (response) => console.log(JSON.stringify({ deviceCode: response })),
  });
  console.log(JSON.stringify({ token: r.accessToken, claims: claims(r.accessToken), idClaims: r.idTokenClaims, account: r.account?.username, scopes: r.scopes }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e), name: e?.name, errorCode: e?.errorCode }));
}

// The identity service on the real store (openStore inMemory): directory objects written in a
// transaction are visible, and a directory change invalidates the token cache.
import { describe, expect, it } from 'vitest';
import { ManualClock, sequentialIds, silentLogger } from '../../src/core/index.js';
import { openStore } from '../../src/state/index.js';
import { createIdentityService } from '../../src/identity/index.js';
import { APIM_MI, FN_APP, IDENTITY_SECRET, TENANT_ID, decodeJwt } from './helpers/fixtures.js';

describe('identity on openStore({inMemory:true})', () => {
  it('issues v1 then v2 after the app switches accessTokenAcceptedVersion', async () => {
    const store = openStore({ inMemory: true });
    try {
      store.transaction((tx) => {
        tx.putDirectoryObject(APIM_MI);
        tx.putDirectoryObject(FN_APP);
      });
      const svc = await createIdentityService({ store, clock: new ManualClock(), ids: sequentialIds(), logger: silentLogger, tenantId: TENANT_ID, identityHeader: IDENTITY_SECRET });
      const v1 = decodeJwt((await svc.issueManagedIdentityToken({ resource: `api://${FN_APP.appId}` })).access_token).payload;
      expect([v1.aud, v1.ver, v1.appid]).toEqual([`api://${FN_APP.appId}`, '1.0', APIM_MI.appId]);
      store.transaction((tx) => tx.putDirectoryObject({ ...FN_APP, accessTokenAcceptedVersion: 2 }));
      const v2 = decodeJwt((await svc.issueManagedIdentityToken({ resource: `api://${FN_APP.appId}` })).access_token).payload;
      expect([v2.aud, v2.ver, v2.azp]).toEqual([FN_APP.appId, '2.0', APIM_MI.appId]);
      svc.close();
    } finally {
      store.close();
    }
  });
});

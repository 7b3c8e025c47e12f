/** Issue 8 regression: underscore (and other) aliases of the platform headers never reach the function. */
import { describe, expect, it } from 'vitest';
import { O, miV1Claims } from './helpers/test-issuer.js';
import { commonSettings, useEasyAuthHarness } from './helpers/harness.js';
import { isPlatformHeader } from '../../src/easyauth/pipeline/strip-headers.js';

const ea = useEasyAuthHarness();
const { front, now, bearer } = ea;

const FORGED = {
  X_MS_CLIENT_PRINCIPAL_ID: 'forged-id',
  X_MS_CLIENT_PRINCIPAL_NAME: 'forged-name',
  x_ms_client_principal: 'Zm9yZ2Vk',
  x_ms_token_aad_access_token: 'forged-token',
  'X-MS_CLIENT-PRINCIPAL_IDP': 'forged-idp',
  'x.ms.client.principal.id': 'forged-dotted',
  'x-ms-token-aad-id_token': 'forged-mixed',
};

const leaked = (headers: Record<string, unknown>) =>
  Object.entries(headers).filter(([, v]) => typeof v === 'string' && v.startsWith('forged') || v === 'Zm9yZ2Vk').map(([k]) => k);

describe('platform header aliases are stripped (docs/behaviour/easyauth.md §4.1 step 4, §4.6)', () => {
  it('anonymous request: no alias reaches the function', async () => {
    const s = commonSettings();
    s.globalValidation.unauthenticatedClientAction = 'AllowAnonymous';
    const f = await front(s);
    const r = await f.get('/api/x', { ...FORGED, 'x-custom_header': 'kept' });
    expect(r.status).toBe(200);
    const seen = ea.backend.calls.at(-1)!.headers as Record<string, unknown>;
    expect(leaked(seen)).toEqual([]);
    expect(seen['x-custom_header']).toBe('kept');
    expect(f.traces.at(-1)!.steps.find((s) => s.step === 'strip-headers')?.reason).toMatch(/removed 7 /);
  });

  it('authenticated request: only the twin’s own identity headers arrive', async () => {
    const f = await front();
    const r = await f.get('/api/x', { ...FORGED, ...bearer(await ea.issuer.sign(miV1Claims(now()))) });
    expect(r.status).toBe(200);
    const seen = ea.backend.calls.at(-1)!.headers as Record<string, unknown>;
    expect(leaked(seen)).toEqual([]);
    expect(seen['x-ms-client-principal-id']).toBe(O);
    expect(Object.keys(seen).filter((k) => /[_.]/.test(k))).toEqual([]);
  });

  it('the name test folds case and every separator, and leaves look-alikes alone', () => {
    for (const n of ['X-MS-CLIENT-PRINCIPAL', 'x_ms_client_principal_name', 'X.MS.TOKEN.AAD.ACCESS.TOKEN', 'x~ms~token~x', 'x-ms_token-aad']) {
      expect(isPlatformHeader(n), n).toBe(true);
    }
    for (const n of ['x-ms-client-request-id', 'x_ms_version', 'xms-client-principal', 'x-mstoken-a', 'x-ms-tokens']) {
      expect(isPlatformHeader(n), n).toBe(false);
    }
  });
});

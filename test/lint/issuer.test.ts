/**
 * TL011: a v1 token on a site whose openIdIssuer is the v2 issuer (and vice versa). The twin's Easy Auth accepts it
 * with compat.easyAuth.issuerMode 'tenant-any-version' (a warning) and refuses it with 'exact' (an error, as Azure).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_CLIENT_ID, TENANT } from '../helpers/seed.js';
import { byType, lintJson, rules, useVariants } from './helpers.js';

const variant = useVariants();
const withIssuer = (issuer: string) => variant((t) => {
  const aad = (byType(t, 'Microsoft.Web/sites/config').properties.identityProviders as { azureActiveDirectory: { registration: Record<string, unknown> } }).azureActiveDirectory;
  aad.registration.openIdIssuer = issuer;
});
const project = (dir: string, issuerMode: string) =>
  writeFileSync(join(dir, 'trustline.json'), JSON.stringify({ deployments: ['.'], compat: { easyAuth: { issuerMode } } }));
const OPEN_ID_ISSUER = 'resources[2].properties.identityProviders.azureActiveDirectory.registration.openIdIssuer';

describe('trustline lint: TL011 issuer / token version', () => {
  it('a v1 managed-identity token on a v2 openIdIssuer: a warning while the twin accepts it, the fix and Azure\'s reason', async () => {
    const dir = withIssuer(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['TL011 warning']);
    const m = findings[0]!.message;
    expect(m).toContain(`openIdIssuer 'https://login.microsoftonline.com/${TENANT}/v2.0' expects v2 tokens (iss 'https://login.microsoftonline.com/${TENANT}/v2.0'), but APIM's managed identity gets a v1 token for resource '${APP_CLIENT_ID}' (iss 'https://sts.windows.net/${TENANT}/')`);
    expect(m).toContain("compat.easyAuth.issuerMode is 'tenant-any-version'");
    expect(m).toContain(`IDX10205: Issuer validation failed. Issuer: 'https://sts.windows.net/${TENANT}/'`);
    expect(m).toContain(`Set registration.openIdIssuer to 'https://sts.windows.net/${TENANT}/'`);
    expect(findings[0]!.locations[1]!.jsonPath).toBe(OPEN_ID_ISSUER);
  });

  it("with issuerMode 'exact' the twin refuses it as Azure does: one TL011 error, not a TL001", async () => {
    const dir = withIssuer(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    project(dir, 'exact');
    const { code, findings } = await lintJson([], dir);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL011 error']);
    expect(findings[0]!.message).toMatch(/Easy Auth answers 401 \(issuer: iss 'https:\/\/sts\.windows\.net\/[^']+\/' is not accepted/);
  });

  it("the portal's hybrid issuer https://sts.windows.net/{tenant}/v2.0 announces the v2 issuer: the same rule", async () => {
    const dir = withIssuer(`https://sts.windows.net/${TENANT}/v2.0`);
    expect(rules((await lintJson([dir], dir)).findings)).toEqual(['TL011 warning']);
    project(dir, 'exact');
    expect(rules((await lintJson([], dir)).findings)).toEqual(['TL011 error']);
  });

  it('a v2 token (the app registration asks for v2) on a v1 openIdIssuer', async () => {
    const dir = withIssuer(`https://sts.windows.net/${TENANT}/`);
    const directory = join(dir, 'directory.json');
    writeFileSync(directory, JSON.stringify({ applications: [{ displayName: 'trustline-func', appId: APP_CLIENT_ID, accessTokenAcceptedVersion: 2 }] }));
    const { findings } = await lintJson([dir, '--directory', directory], dir);
    expect(rules(findings)).toEqual(['TL011 warning']);
    expect(findings[0]!.message).toContain(`expects v1 tokens (iss 'https://sts.windows.net/${TENANT}/'), but APIM's managed identity gets a v2 token`);
    expect(findings[0]!.message).toContain(`Set registration.openIdIssuer to 'https://login.microsoftonline.com/${TENANT}/v2.0'`);
  });

  it('matching versions (the seed: v1 issuer, v1 token) and another tenant (TL001, not this rule) are not TL011', async () => {
    const same = withIssuer(`https://sts.windows.net/${TENANT}/`);
    expect((await lintJson([same], same)).findings).toEqual([]);
    const other = withIssuer('https://login.microsoftonline.com/0c2f4e6a-8b1d-4c3e-9f5a-7b9d1f3a5c7e/v2.0');
    expect(rules((await lintJson([other], other)).findings)).toEqual(['TL001 error']);
  });
});

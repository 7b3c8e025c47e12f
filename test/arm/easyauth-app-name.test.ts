import { describe, expect, it } from 'vitest';
import { deploy, loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { planDirectory } from '../../src/identity/directory/apply-directory.js';
import { SCOPE, SEED_PARAMETERS, SEED_TEMPLATE, setup } from './helpers/seed.js';
import { thrown } from '../helpers/thrown.js';
import { servicePrincipalIdFor } from '../../src/identity/index.js';

/**
 * The registration that authsettingsV2 auto-creates (the portal's express setup) is named after the site, as Azure
 * names it, so that the site's name finds it (`trustline directory assign --resource <site>`).
 */
describe("Easy Auth's auto-created app registration", () => {
  const seed = () => ({ deploymentName: 'seed', template: loadTemplateFile(SEED_TEMPLATE), parameters: loadParametersFile(SEED_PARAMETERS) });
  const autoApp = (store: ReturnType<typeof setup>['store']) => store.listDirectoryObjects().find((o) => o.kind === 'application' && (o.origin ?? '').startsWith('auto-created'))!;

  it("has the site's display name, and a directory document finds it by the site's name", () => {
    const { store, options } = setup();
    deploy(seed(), options);
    expect(autoApp(store).displayName).toBe('trustline-func');
    // Found by name: the refusal is about the role it lacks, not about a missing application.
    const e = thrown(() => planDirectory({ appRoleAssignments: [{ principal: 'trustline-apim', resource: 'trustline-func', role: 'Reader' }] }, store.listDirectoryObjects(), { defaultTenantId: SCOPE.tenantId, origin: 'test' }));
    expect(e.message).toContain("the application 'trustline-func' defines no app role 'Reader'");
  });

  it("a registration an earlier version named '<site> (auto)' takes the site's name on the next deployment", () => {
    const { store, options } = setup();
    deploy(seed(), options);
    const app = autoApp(store);
    store.transaction((tx) => tx.putDirectoryObject({ ...app, displayName: 'trustline-func (auto)' }));
    deploy({ ...seed(), deploymentName: 'seed-2' }, options);
    expect(autoApp(store)).toEqual({ ...app, displayName: 'trustline-func' });
  });

  it('has a service principal (as the express set-up creates one): it can be a principal and a consent grant\'s resource; an older one without gets it on redeploy', () => {
    const { store, options } = setup();
    deploy(seed(), options);
    const app = autoApp(store);
    expect(app.servicePrincipalId).toBe(servicePrincipalIdFor(SCOPE.tenantId, app.appId));
    // The site's app as a group member (a service principal), and as the resource of a delegated permission grant.
    const planned = planDirectory(
      {
        applications: [{ displayName: 'spa', appId: 'c0c0c0c0-0000-4000-8000-0000000000c1' }],
        groups: [{ displayName: 'callers', members: ['trustline-func'] }],
        oauth2PermissionGrants: [{ client: 'spa', resource: 'trustline-func', consentType: 'AllPrincipals', scope: 'user_impersonation' }],
      },
      store.listDirectoryObjects(),
      { defaultTenantId: SCOPE.tenantId, origin: 'test' },
    );
    expect(planned.find((o) => o.kind === 'group')!.members).toEqual([app.servicePrincipalId]);
    expect(planned.find((o) => o.kind === 'oauth2PermissionGrant')!.permissionGrant).toMatchObject({ resourceId: app.servicePrincipalId });
    const { servicePrincipalId: _, ...legacy } = app;
    store.transaction((tx) => tx.putDirectoryObject(legacy));
    deploy({ ...seed(), deploymentName: 'seed-2' }, options);
    expect(autoApp(store)).toEqual(app);
  });
});

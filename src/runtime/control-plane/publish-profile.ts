import type { ResourceRecord } from '../../state/index.js';
import { readOnlyListResult } from '../../arm/index.js';

const SITE = /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.web\/sites\/[^/]+(?:\/slots\/[^/]+)?$/i;

/**
 * `POST {site}/config/publishingcredentials/list` for a site that no template gave that config resource: App Service
 * answers it for every site (the deployment user `$site` and its password; the twin values of
 * src/arm/providers/read-only-properties.ts publishingCredentials).
 */
export function publishingCredentialsOf(site: ResourceRecord): Record<string, unknown> | undefined {
  if (!SITE.test(site.id)) return undefined;
  const record = { id: `${site.id}/config/publishingcredentials`, type: `${site.type}/config`, name: `${site.name}/publishingcredentials`, properties: {} };
  return readOnlyListResult(record as ResourceRecord, 'list') as Record<string, unknown> | undefined;
}

const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * `POST {site}/publishxml` (WebApps_ListPublishingProfileXmlWithSecrets): the site's publish profile as App Service
 * writes it — a `<publishData>` with a Web Deploy (MSDeploy), an FTP and a Zip Deploy `<publishProfile>`, each with
 * the deployment user and password of `config/publishingcredentials` (Web Deploy and Zip Deploy: `$site`, FTP:
 * `site\$site`). The az CLI's `webapp show` reads the FTP profile's `publishUrl` into `ftpPublishingUrl`. The FTP host
 * is a twin value (docs/differences.md): App Service names a scale unit (`waws-prod-…`) the twin does not have.
 */
export function publishProfileXml(site: ResourceRecord): string | undefined {
  const creds = publishingCredentialsOf(site);
  if (!creds) return undefined;
  const props = creds['properties'] as { publishingUserName: string; publishingPassword: string };
  const host = String((site.properties['defaultHostName'] as string | undefined) ?? `${site.name.toLowerCase()}.azurewebsites.net`);
  const scm = host.replace(/^([^.]+)\./, '$1.scm.');
  const name = site.name.split('/').join('-');
  const user = props.publishingUserName;
  const common = (extra: Record<string, string>) =>
    Object.entries({ ...extra, userPWD: props.publishingPassword, destinationAppUrl: `https://${host}`, SQLServerDBConnectionString: '', mySQLDBConnectionString: '', hostingProviderForumLink: '', controlPanelLink: 'https://portal.azure.com', webSystem: 'WebSites' })
      .map(([k, v]) => `${k}="${attr(v)}"`)
      .join(' ');
  const profiles = [
    common({ profileName: `${name} - Web Deploy`, publishMethod: 'MSDeploy', publishUrl: `${scm}:443`, msdeploySite: name, userName: user }),
    common({ profileName: `${name} - FTP`, publishMethod: 'FTP', publishUrl: `ftps://waws-prod-twin-001.ftp.azurewebsites.windows.net/site/wwwroot`, ftpPassiveMode: 'True', userName: `${user.slice(1)}\\${user}` }),
    common({ profileName: `${name} - Zip Deploy`, publishMethod: 'ZipDeploy', publishUrl: `${scm}:443`, userName: user }),
  ];
  return `<publishData>${profiles.map((p) => `<publishProfile ${p}><databases /></publishProfile>`).join('')}</publishData>`;
}

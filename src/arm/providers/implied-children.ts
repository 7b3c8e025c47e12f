/**
 * Children a resource provider creates with their parent, which templates deploy under without declaring them, and
 * which ARM therefore finds once the parent exists (docs/differences.md, "Children a resource provider creates"):
 *
 * - a storage account's `{blob,file,queue,table}Services/default` (storage REST API: one service of each kind per
 *   account, named `default`; quickstart function-app-storage-private-endpoints deploys `{account}/default/{share}`);
 * - an IoT hub's built-in Event Hub-compatible endpoints `eventHubEndpoints/events` and `operationmonitoringevents`
 *   (IoT Hub REST API, consumer groups of `{eventHubEndpointName}`; quickstart
 *   timeseriesinsights-environment-payg-with-iothub deploys `{hub}/events/{consumer group}`);
 * - a Recovery Services vault's `backupFabrics/Azure` fabric, and in it the protection container of an Azure VM,
 *   `iaasvmcontainer;iaasvmcontainerv2;{resource group};{vm}`, which Azure Backup registers when the VM is protected
 *   (quickstarts recovery-services-backup-vms, recovery-services-backup-file-share-hourly).
 *
 * The twin keeps no record for such a child the template does not declare.
 */
const IMPLIED: readonly RegExp[] = [
  /^(.*\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+)\/(?:blob|file|queue|table)Services\/default$/i,
  /^(.*\/providers\/Microsoft\.Devices\/IotHubs\/[^/]+)\/eventHubEndpoints\/(?:events|operationmonitoringevents)$/i,
  /^(.*\/providers\/Microsoft\.RecoveryServices\/vaults\/[^/]+)\/backupFabrics\/Azure$/i,
  /^(.*\/providers\/Microsoft\.RecoveryServices\/vaults\/[^/]+\/backupFabrics\/Azure)\/protectionContainers\/iaasvmcontainer;iaasvmcontainerv2;[^/;]+;[^/;]+$/i,
];

/** The parent whose resource provider creates `id` with it, when `id` is such a child; else undefined. */
export function impliedBy(id: string): string | undefined {
  for (const pattern of IMPLIED) {
    const m = pattern.exec(id);
    if (m) return m[1];
  }
  return undefined;
}

/** Whether `id` exists: stored, or a child its resource provider created with an existing parent. */
export function existsOrImplied(id: string, get: (id: string) => unknown): boolean {
  for (let at: string | undefined = id; at !== undefined; at = impliedBy(at)) if (get(at)) return true;
  return false;
}

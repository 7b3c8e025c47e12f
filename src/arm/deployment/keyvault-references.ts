import { armError } from '../errors.js';
import { findKey, isObject } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { hash } from '../providers/twin-values.js';
import type { RunShared } from './template-run.js';

const field = (o: JsonObject, k: string): unknown => {
  const key = findKey(o, k);
  return key === undefined ? undefined : o[key];
};

/** A twin secret value for a vault outside the twin (expansion only): stable for the secret's id, Azure's complexity rules. */
function presumedSecret(secretId: string): string {
  const h = hash(secretId, 12);
  return `Tl${h.slice(0, 6)}${h.slice(6, 10).replace(/[^0-9]/g, '7')}!KV`;
}

/**
 * A Key Vault reference given as a parameter value (`{"reference": {"keyVault": {"id"}, "secretName", "secretVersion"?}}`,
 * in a parameters file or a nested deployment's `parameters`; Learn "Use Azure Key Vault to pass secure parameter value
 * during deployment"), read as ARM reads it at deploy time: a `Microsoft.KeyVault/vaults/secrets` resource the twin holds
 * (deployed earlier, or by an earlier resource of this deployment) answers its value. The vault must allow it
 * (`enabledForTemplateDeployment: true`, [D] same page). A vault or secret the twin does not hold: the deployment fails
 * (`ERR_ARM_KEYVAULT_REFERENCE`); expansion presumes it exists (as for `reference()`) and passes a twin value, with a
 * warning (docs/differences.md, "Expansion: resources the template does not deploy").
 */
export function keyVaultReader(shared: RunShared, deploymentName: string): (name: string, reference: unknown) => unknown {
  return (name, reference) => {
    const fail = (reason: string) =>
      armError('ERR_ARM_KEYVAULT_REFERENCE', `The Key Vault reference of the parameter '${name}' of the deployment '${deploymentName}' cannot be resolved: ${reason}.`, undefined, {
        deployment: deploymentName,
        parameter: name,
      });
    const ref = isObject(reference) ? reference : {};
    const vault = field(ref, 'keyVault');
    const vaultId = isObject(vault) ? field(vault, 'id') : undefined;
    const secretName = field(ref, 'secretName');
    if (typeof vaultId !== 'string' || !/\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i.test(vaultId)) throw fail("'keyVault.id' must be the resource id of a Microsoft.KeyVault/vaults resource");
    if (typeof secretName !== 'string' || secretName === '') throw fail("'secretName' must be a non-empty string");
    const secretId = `${vaultId}/secrets/${secretName}`;
    const vaultRecord = shared.overlay.getResource(vaultId);
    const secret = shared.overlay.getResource(secretId);
    if (vaultRecord && secret) {
      if (vaultRecord.properties['enabledForTemplateDeployment'] !== true) throw fail(`the vault '${vaultId}' does not allow it: its 'enabledForTemplateDeployment' is not true`);
      return secret.properties['value'];
    }
    if (shared.expand) {
      shared.warn(`expand: the Key Vault secret '${secretId}' (parameter '${name}' of the deployment '${deploymentName}') is not in the twin; it is presumed to exist and a twin value is passed`);
      return presumedSecret(secretId);
    }
    throw fail(vaultRecord ? `the secret '${secretName}' is not in the vault '${vaultId}'` : `the vault '${vaultId}' is not in the twin`);
  };
}

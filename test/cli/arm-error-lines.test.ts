/** `trustline deploy`'s lines for an ARM error answer: each twin error with its place, the JSON path named once. */
import { describe, expect, it } from 'vitest';
import { describeArmError } from '../../src/cli/arm-client.js';
import { loadDeploymentFiles } from '../../src/cli/actions/deployments.js';
import { SEED } from '../helpers/seed.js';
import { join } from 'node:path';

describe('describeArmError', () => {
  const files = loadDeploymentFiles(join(SEED, 'azuredeploy.json'), undefined);
  const failed = (info: Record<string, unknown>) => ({
    code: 'DeploymentFailed',
    message: 'At least one resource deployment operation failed.',
    details: [{ code: 'BadRequest', message: 'not valid', additionalInfo: [{ type: 'TrustlineError', info: { code: 'ERR_ARM_RESOURCE_INVALID', ...info } }] }],
  });

  it('a JSON path located in the template: file:line:column (path), the path once', () => {
    const lines = describeArmError(failed({ jsonPath: 'resources[6]' }), files.locate, '  ');
    const line = lines.find((l) => l.includes('ERR_ARM_RESOURCE_INVALID'))!;
    expect(line).toMatch(/ERR_ARM_RESOURCE_INVALID at .*azuredeploy\.json:\d+:\d+ \(resources\[6\]\)$/);
    expect(line.split('(resources[6])')).toHaveLength(2);
  });

  it('a file location from the answer keeps its path; a path that cannot be located is named alone', () => {
    const fromFile = describeArmError(failed({ file: 'policy.xml', line: 3, column: 5, jsonPath: 'resources[6].properties.value' }), files.locate);
    expect(fromFile.find((l) => l.includes('ERR_ARM'))).toContain('ERR_ARM_RESOURCE_INVALID at policy.xml:3:5 (resources[6].properties.value)');
    const nowhere = describeArmError(failed({ jsonPath: 'resources[99]' }), () => undefined);
    expect(nowhere.find((l) => l.includes('ERR_ARM'))).toMatch(/ERR_ARM_RESOURCE_INVALID \(resources\[99\]\)$/);
  });
});

/** The deployment names `trustline deploy` and `what-if` send: `--name` for one input, one name each for several. */
import { describe, expect, it } from 'vitest';
import { deploymentNameFor } from '../../src/cli/actions/deployments.js';

describe('deployment names', () => {
  it('--name N names one deployment N, and several N-0, N-1 (one name would replace the deployment before in the history)', () => {
    expect(deploymentNameFor('release', { template: '/x/azuredeploy.json', index: 0, count: 1 }, 's')).toBe('release');
    expect([0, 1].map((index) => deploymentNameFor('release', { template: '/x/azuredeploy.json', index, count: 2 }, 's'))).toEqual(['release-0', 'release-1']);
  });

  it('without --name: the template file name and the suffix, in the characters ARM accepts, at most 64', () => {
    expect(deploymentNameFor(undefined, { template: '/x/my template.json', index: 0, count: 1 }, 'whatif-0')).toBe('my-template-whatif-0');
    expect(deploymentNameFor(undefined, { template: `/x/${'a'.repeat(80)}.json`, index: 0, count: 1 }, 'whatif-0')).toHaveLength(64);
  });
});

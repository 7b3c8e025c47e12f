import { setHeader } from '../pipeline/headers.js';
import type { PolicyDefinition } from './types.js';
import { required, str } from './util.js';

/** authentication-basic: `Authorization: Basic base64(username:password)` on the backend request. */
export const authenticationBasic: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['username', 'password'],
  compile(node, cc, base) {
    const username = required(cc, node, 'username');
    const password = required(cc, node, 'password');
    return {
      ...base,
      run(rc) {
        const u = str(username.get(rc));
        setHeader(rc.request.headers, 'Authorization', ['Basic ' + Buffer.from(`${u}:${str(password.get(rc))}`, 'utf8').toString('base64')]);
        rc.note(`Basic credentials for '${u}'`);
      },
    };
  },
};

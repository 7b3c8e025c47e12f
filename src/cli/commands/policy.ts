import { collect, jsonOption, type RegisterCommand } from '../context.js';

export const registerPolicy: RegisterCommand = (program, ctx) => {
  const policy = program.command('policy').description('compile or run an APIM policy document outside any deployment')
    .addHelpText('after', '\nOutput: see `trustline policy compile --help` and `trustline policy run --help`.\n' +
      'The project file (trustline.json, or --config FILE) applies as it does to `up` and `deploy`: its compat.gateway flags\n' +
      'and loose (--loose also) change how a policy compiles and runs, so that it behaves here as it does deployed.');
  policy
    .command('compile <file>')
    .description('load and compile a policy document or fragment as APIM does on save')
    .option('--named-values <file>', 'named values: {"name": "value"}')
    .option('--fragment <id=file>', 'a policy fragment (<fragment> document) that <include-fragment fragment-id="ID"/> includes (repeatable)', collect, [])
    .option('--loose', 'accept what the twin does not support, with warnings (default: trustline.json\'s loose)')
    .addOption(jsonOption())
    .addHelpText('after', '\nOutput: the compiled tree (--json: {kind, warnings, sections}); exit 0 when it compiled, 1 with the error and its line:column.')
    .action(async (file: string, o) => {
      const { policyCompile } = await import('../actions/policy.js');
      ctx.exit(await policyCompile(file, o, ctx));
    });
  policy
    .command('run <file>')
    .description('run a policy against one described request with a stub backend')
    .requiredOption('--request <file>', 'REQUEST.json: {method, url, headers, body, api: {path, serviceUrl, name, displayName, schemas}, operation: {method, urlTemplate, name, displayName, templateParameters, request, responses: [{statusCode, representations: [{contentType, examples: {NAME: {value}}}]}]}, backend: {status, headers, body, urls: {URL: {status, headers, body}}}, subscription: {name, key, product, user}, documents: {URL: JSON}}; the operation\'s response examples are what mock-response answers; backend.urls answers the calls to those URLs (e.g. where follow-redirects leads), backend the others')
    .option('--named-values <file>', 'named values: {"name": "value"}')
    .option('--fragment <id=file>', 'a policy fragment (<fragment> document) that <include-fragment fragment-id="ID"/> includes (repeatable)', collect, [])
    .option('--parent <file>', 'the enclosing (API) scope\'s document: <base/> resolves to it, and its <base/> to APIM\'s default global policy; without --parent, <base/> resolves to that default directly (<forward-request/> in backend, nothing in the other sections)')
    .option('--loose', 'accept what the twin does not support, with warnings (default: trustline.json\'s loose)')
    .addOption(jsonOption())
    .addHelpText('after', '\nOutput: the status, headers and body the client gets, the backend call, then the trace: each policy step with its outcome\n' +
      '(✓ ran, · skipped, ✗ error), LastError and the variables. --json: {status, headers, body, backendRequest: {method, url,\n' +
      'headers, body} | null (forward-request\'s last call: after followed redirects, the last hop; every call is in trace.backend),\n' +
      'sentRequests (send-request\'s calls), variables, trace, events}; a policy that does not compile: {"error": {code, message, location}}.\n' +
      'Exit 0 when the policy ran, whatever the status; 1 when it did not compile.')
    .action(async (file: string, o) => {
      const { policyRun } = await import('../actions/policy.js');
      ctx.exit(await policyRun(file, o, ctx));
    });
};

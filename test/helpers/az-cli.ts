import { execFile } from 'node:child_process';

/**
 * Runs the real az CLI (/usr/bin/az) with its own AZURE_CONFIG_DIR (and HOME), the twin's CA in REQUESTS_CA_BUNDLE
 * and Azure's host names routed to the twin through `proxyUrl` (HTTPS_PROXY); resolves with the exit code and output.
 */
export function azRunner(o: { configDir: string; caFile: string; proxyUrl: string }) {
  return (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        '/usr/bin/az',
        args,
        {
          timeout: 120_000,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: o.configDir,
            AZURE_CONFIG_DIR: o.configDir,
            REQUESTS_CA_BUNDLE: o.caFile,
            HTTPS_PROXY: o.proxyUrl,
            NO_PROXY: '127.0.0.1,localhost',
            AZURE_CORE_COLLECT_TELEMETRY: 'false',
            AZURE_CORE_NO_COLOR: 'true',
          },
        },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
}

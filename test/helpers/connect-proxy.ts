import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A minimal HTTP CONNECT proxy for clients that call Azure host names (az CLI through HTTPS_PROXY):
 * `host:443` → the twin's listener for that name; any other target is refused (403). The twin's
 * server certificate names the Azure hosts, so TLS verifies against the twin's CA end to end.
 */
export async function startConnectProxy(routes: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  const sockets = new Set<{ destroy(): void }>();
  server.on('connect', (req, clientSocket, head) => {
    sockets.add(clientSocket);
    clientSocket.on('close', () => sockets.delete(clientSocket));
    const target = routes[(req.url ?? '').toLowerCase()];
    if (!target) {
      clientSocket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const u = new URL(target);
    const upstream = connect(Number(u.port), u.hostname, () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    upstream.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

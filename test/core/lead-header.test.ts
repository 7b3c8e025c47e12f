import { describe, it, expect } from 'vitest';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { LeadHeaderResponse, setLeadHeader } from '../../src/core/index.js';

/** The answer's head as bytes (Date masked), for a handler that starts its answer with `x-lead` and then does `write`. */
async function head(lead: boolean, write: (res: ServerResponse) => void): Promise<string> {
  const server = createServer(lead ? { ServerResponse: LeadHeaderResponse } : {}, (_req, res) => {
    setLeadHeader(res, 'x-lead', 'id-1');
    write(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await new Promise<string>((resolve, reject) => {
      const c = connect((server.address() as AddressInfo).port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      let b = '';
      c.on('data', (d) => {
        b += d.toString('latin1');
        if (b.includes('\r\n\r\n')) {
          c.destroy();
          resolve(b.slice(0, b.indexOf('\r\n\r\n')).replace(/\r\nDate: [^\r]*/, ''));
        }
      });
      c.on('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('LeadHeaderResponse', () => {
  const cases: Record<string, (res: ServerResponse) => void> = {
    'writeHead with an object': (res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '0' }); res.end(); },
    'writeHead with a reason and a flat list': (res) => { res.writeHead(201, 'Made', ['content-length', '0', 'x-a', '1']); res.end(); },
    'an answer header of the same name (object)': (res) => { res.writeHead(200, { 'X-Lead': 'theirs', 'content-length': '0' }); res.end(); },
    'an answer header of the same name (flat list)': (res) => { res.writeHead(200, ['x-lead', 'theirs', 'content-length', '0']); res.end(); },
    'setHeader before writeHead': (res) => { res.setHeader('set-cookie', ['a=1']); res.writeHead(302, { location: '/x', 'content-length': '0' }); res.end(); },
    'no writeHead (implicit head)': (res) => { res.statusCode = 404; res.end('gone'); },
  };
  for (const [name, write] of Object.entries(cases)) {
    it(`sends the head setHeader + writeHead sends: ${name}`, async () => {
      const expected = await head(false, write);
      expect(await head(true, write)).toBe(expected);
    });
  }
  it('puts the lead header first', async () => {
    expect(await head(true, cases['writeHead with an object']!)).toMatch(/^HTTP\/1\.1 200 OK\r\nx-lead: id-1\r\ncontent-type: text\/plain/);
  });
});

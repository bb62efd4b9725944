/**
 * A node IncomingMessage is verified from its raw header lines: whatever their case, and without building node's
 * `headers` object (which the application may never read).
 */
import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@signet/core';
import { Verifier, createVerifier, signetMiddleware, type VerifiedRequest } from '@signet/verifier';
import { signWba } from './support/sign.js';

const AGENT = 'https://agent.example';
const key = generateKey('ed25519');
const verifier = createVerifier({ keys: [{ key: key.toPublic(), agent: AGENT }], body: { requireDigest: true } });

interface Outcome {
  verified?: VerifiedRequest;
  code?: string;
  headersRead: number;
}

let server: Server;
let outcome: Promise<Outcome>;
let settle: (value: Outcome) => void;

/** Counts reads of `req.headers` (the prototype getter that builds node's header object) while verifying. */
function watchHeaders(req: IncomingMessage): { reads: () => number } {
  let reads = 0;
  const getter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Object.getPrototypeOf(req)), 'headers')?.get ?? Object.getOwnPropertyDescriptor(Object.getPrototypeOf(req), 'headers')?.get;
  Object.defineProperty(req, 'headers', {
    configurable: true,
    get() {
      reads++;
      return getter?.call(req);
    },
  });
  return { reads: () => reads };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const watch = watchHeaders(req);
    verifier.verify(req).then(
      (verified) => settle({ verified, headersRead: watch.reads() }),
      (error: { code: string }) => settle({ code: error.code, headersRead: watch.reads() }),
    );
    req.resume();
    req.on('end', () => res.end('done'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});
afterAll(() => server.close());

/** Sends with node's client, which keeps header names exactly as given. */
async function send(headers: Record<string, string>, body?: string): Promise<Outcome> {
  outcome = new Promise((resolve) => (settle = resolve));
  const { port } = server.address() as { port: number };
  const request = httpRequest({ host: '127.0.0.1', port, path: '/orders/1', method: body === undefined ? 'GET' : 'POST', headers });
  request.end(body);
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  response.resume();
  return outcome;
}

function shout(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('-'), value]));
}

describe('verifying a node IncomingMessage', () => {
  it('reads its raw lines in any case, and never builds req.headers', async () => {
    const { port } = server.address() as { port: number };
    const signed = await signWba({ url: `http://127.0.0.1:${port}/orders/1`, key, agent: AGENT, created: Math.floor(Date.now() / 1000), extra: ['@method', '@path'] });
    const result = await send(shout(signed.headers));
    expect(result.code).toBeUndefined();
    expect(result.verified?.agent.id).toBe(AGENT);
    expect(result.headersRead).toBe(0);
  });

  it('sees a body from its raw Content-Length, in any case', async () => {
    const { port } = server.address() as { port: number };
    const signed = await signWba({ url: `http://127.0.0.1:${port}/orders/1`, key, agent: AGENT, created: Math.floor(Date.now() / 1000), method: 'POST' });
    const result = await send({ ...shout(signed.headers), 'CONTENT-LENGTH': '5' }, 'hello');
    expect(result.code).toBe('body_not_covered');
  });
});

describe('signetMiddleware on a node request', () => {
  it('calls next() before returning when nothing needed I/O, and leaves an overridden verify() in charge', async () => {
    const calls: string[] = [];
    class Audited extends Verifier {
      override verify(request: Parameters<Verifier['verify']>[0], call?: Parameters<Verifier['verify']>[1]): ReturnType<Verifier['verify']> {
        calls.push('verify');
        return super.verify(request, call);
      }
    }
    const direct = signetMiddleware(verifier);
    const audited = signetMiddleware(new Audited({ keys: [{ key: key.toPublic(), agent: AGENT }] }));
    const seen: Array<{ sync: boolean; agent: string | undefined }> = [];
    const app = createServer((req, res) => {
      const middleware = req.url === '/audited' ? audited : direct;
      let returned = false;
      middleware(req, res, () => {
        seen.push({ sync: !returned, agent: (req as { agent?: { id: string } }).agent?.id });
        res.end('ok');
      });
      returned = true;
    });
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    try {
      const { port } = app.address() as { port: number };
      for (const path of ['/direct', '/audited']) {
        const signed = await signWba({ url: `http://127.0.0.1:${port}${path}`, key, agent: AGENT, created: Math.floor(Date.now() / 1000) });
        const response = await fetch(signed.url, { headers: signed.headers });
        expect(response.status).toBe(200);
      }
    } finally {
      app.close();
    }
    expect(seen).toEqual([{ sync: true, agent: AGENT }, { sync: false, agent: AGENT }]);
    expect(calls).toEqual(['verify']);
  });
});

/** Loopback servers for each framework, protected by the Signet middleware, echoing what the app saw. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import { signetFastify, signetHono, signetMiddleware, withSignet, type SignetIncomingMessage, type SignetVariables, type Verifier } from '@signet/verifier';

export type Framework = 'node:http' | 'express' | 'fastify' | 'hono' | 'fetch';
export const FRAMEWORKS: readonly Framework[] = ['node:http', 'express', 'fastify', 'hono', 'fetch'];

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

/** What every app answers: the verified agent and the body it received (parsed JSON, or text). */
export interface Echo {
  agent: { id: string; keyid: string; profile: string; thumbprint: string };
  body: unknown;
  token?: unknown;
}

async function listen(server: Server): Promise<RunningServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const parse = (text: string): unknown => {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export async function startServer(framework: Framework, verifier: Verifier): Promise<RunningServer> {
  switch (framework) {
    case 'node:http': {
      const mw = signetMiddleware(verifier);
      const server = createServer((req, res) => {
        mw(req, res, () => {
          void readText(req).then((text) => {
            const r = req as SignetIncomingMessage;
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ agent: r.agent, body: parse(text), token: r.signet?.token }));
          });
        });
      });
      return listen(server);
    }
    case 'express': {
      const app = express();
      app.use(signetMiddleware(verifier));
      app.use(express.json({ limit: '2mb' }));
      app.use(express.text({ type: 'text/*', limit: '2mb' }));
      app.use((req, res) => {
        const r = req as unknown as SignetIncomingMessage;
        res.json({ agent: r.agent, body: req.body ?? null, token: r.signet?.token });
      });
      return listen(createServer(app));
    }
    case 'fastify': {
      const app = Fastify({ bodyLimit: 2 * 1024 * 1024 });
      await app.register(signetFastify(verifier));
      app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      app.all('/*', async (request) => {
        const r = request as unknown as { agent: unknown; signet: { token?: unknown } | null; body: unknown };
        return { agent: r.agent, body: r.body ?? null, token: r.signet?.token };
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
    }
    case 'hono': {
      const app = new Hono<{ Variables: SignetVariables }>();
      app.use(signetHono(verifier));
      app.all('*', async (c) => {
        const text = await c.req.text();
        return c.json({ agent: c.get('agent'), body: parse(text), token: c.get('signet').token ?? null });
      });
      return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    }
    case 'fetch': {
      const handler = withSignet(verifier, async (request, verified) =>
        Response.json({ agent: verified.agent, body: parse(await request.text()), token: verified.token ?? null }),
      );
      const app = new Hono();
      app.all('*', (c) => handler(c.req.raw));
      return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    }
  }
}

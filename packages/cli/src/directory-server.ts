/**
 * The loopback (or LAN) HTTP server of `signet directory --serve`: a key directory on HOST:PORT,
 * one log line per request on standard error, closed when the process is asked to stop.
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Directory } from '@signet/client';
import { usageError } from './command.js';
import type { CliIo } from './io.js';

/** Where a server listens. */
export interface ListenOptions {
  /** The TCP port (0: any free port). */
  readonly port: number;
  /** The address or host name to listen on. */
  readonly host: string;
}

/** A listening directory server. */
export interface DirectoryServer {
  /** `http://HOST:PORT`, with the port actually bound (and IPv6 addresses in brackets). */
  readonly origin: string;
  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void>;
}

/**
 * Serves `directory` (its well-known path; 404 elsewhere) on `host:port`. Listening errors are
 * `invalid_usage` errors that say which option to change.
 */
export async function serveDirectory(directory: Directory, options: ListenOptions, io: Pick<CliIo, 'stderr'>): Promise<DirectoryServer> {
  const server = createServer((req, res) => {
    res.on('finish', () => io.stderr(`${req.method ?? '?'} ${req.url ?? '?'} ${res.statusCode} (Host: ${req.headers.host ?? 'none'})\n`));
    directory.node(req, res);
  });
  await listen(server, options);
  const address = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    origin: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, { port, host }: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const where = `${host}:${port}`;
      switch (error.code) {
        case 'EADDRINUSE':
          reject(usageError(`Port ${port} on ${host} is already in use: pick another --serve PORT, or --serve 0 for any free port.`));
          break;
        case 'EACCES':
          reject(usageError(`Listening on ${where} is not permitted (ports below 1024 need privileges): use a port such as --serve 8080, behind a reverse proxy.`));
          break;
        case 'EADDRNOTAVAIL':
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
          reject(usageError(`--host ${host} is not an address of this machine: use 127.0.0.1 (the default), ::1, or 0.0.0.0 for every interface.`));
          break;
        default:
          reject(usageError(`Cannot listen on ${where}: ${error.message}.`));
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

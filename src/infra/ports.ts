/** Loopback port helpers: every service the project starts for tests listens on 127.0.0.1 only. */
import net from 'node:net';
import { InfraError } from './errors';

/** A port the kernel says is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves if 127.0.0.1:port can be bound; otherwise throws InfraError('port-taken') naming the port. */
export function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use by another process' : `cannot be bound (${err.code ?? err.message})`;
      reject(new InfraError('port-taken', `${what}: port 127.0.0.1:${port} ${why}; choose another port or leave it unset to get a free one`));
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

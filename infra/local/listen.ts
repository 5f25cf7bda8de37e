/**
 * Binding servers to ports with an error a developer can act on. `npm start` uses fixed ports (1883, 8000, 3000), so
 * "address in use" is the most common start-up failure; the message names the env var that moves the port.
 */
import type { Server } from 'node:net';

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly host: string,
    readonly envVar: string,
  ) {
    super(
      `port ${port} on ${host} is already in use (${envVar}); stop the process using it or start with ${envVar}=<another port> (0 picks a free one)`,
    );
  }
}

/** Listens on `port` (0 = random) and returns the bound port; EADDRINUSE becomes a {@link PortInUseError}. */
export function listen(server: Server, port: number, host: string, envVar: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, host, envVar) : error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Closes a server, dropping idle keep-alive connections (SDK clients keep them open) so close() does not hang. */
export function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

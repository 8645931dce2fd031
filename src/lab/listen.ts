// Puts a lab server on a loopback port and takes it down for good: close() also ends the connections
// clients keep alive, which server.close() alone would wait for (a test's `after` would hang on them).
import type { Server, Socket } from 'node:net';

export interface Listening {
  port: number;
  close: () => Promise<void>;
}

export async function listenOnLoopback(server: Server, port = 0): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

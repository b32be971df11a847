/**
 * A TCP proxy in the test process between a batchyard process and a real
 * server (PostgreSQL), so a test can take that server away from one process
 * without touching anyone else's connections: `refuse` closes the listener
 * and cuts every connection (a database host that is down: ECONNREFUSED),
 * `blackhole` cuts them and accepts new ones without ever answering (a host
 * that drops packets: only a deadline ends the wait), `forward` serves again
 * on the same port.
 */
import net from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far (in any mode). */
  readonly accepted: number;
  setMode(mode: ProxyMode): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const cutAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  let server = listener();
  function listener(): net.Server {
    return net.createServer((client) => {
      accepted++;
      track(client);
      if (mode === 'blackhole') return; // accepted, never answered
      const upstream = net.connect(target);
      track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }
  const listen = (s: net.Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
    });
  const closeListener = (s: net.Server) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()));
  const port = await listen(server, 0);

  return {
    port,
    get accepted() {
      return accepted;
    },
    async setMode(next) {
      if (next === mode) return;
      const was = mode;
      mode = next;
      cutAll();
      if (next === 'refuse') {
        const closing = closeListener(server);
        cutAll();
        await closing;
      } else if (was === 'refuse') {
        server = listener();
        await listen(server, port);
      }
    },
    async close() {
      const closing = closeListener(server);
      cutAll();
      await closing;
    },
  };
}

/**
 * A raw HTTP server on 127.0.0.1 for the client's tests: it splits what arrives into requests (head
 * and `Content-Length` body) and hands each to `onRequest` with its socket, which writes exactly the
 * bytes a test names. It counts connections opened and closed.
 */
import { createServer, type Socket } from 'node:net';

export interface RawServer {
  readonly url: string;
  /** Connections opened so far. */
  connections(): number;
  /** Connections closed so far. */
  closed(): number;
  /** Destroys every connection and stops listening. */
  close(): void;
}

/** Starts a {@link RawServer}: `onRequest` gets each request's head, its whole text (head and body), its socket and its number. */
export async function rawServer(onRequest: (head: string, socket: Socket, n: number, whole: string) => void): Promise<RawServer> {
  let connections = 0;
  let closed = 0;
  let n = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => closed++);
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const whole = buffered.slice(0, end + 4 + length);
        buffered = buffered.slice(end + 4 + length);
        onRequest(head, socket, n++, whole);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return {
    url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`,
    connections: () => connections,
    closed: () => closed,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

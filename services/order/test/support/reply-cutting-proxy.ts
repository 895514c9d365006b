/**
 * A TCP forwarder in front of the real database server that can lose one transaction's outcome on
 * the way back: once armed, the client packet carrying the marker (the end of a statement batch,
 * `COMMIT`) is forwarded, the server's replies are held back, and when the test's condition holds
 * (the rows are visible on another connection: the server committed) both sides are cut. The
 * client sees its connection die with no answer, exactly as when an acknowledgement is lost.
 * `dropRequest` cuts before the packet reaches the server instead (nothing can have committed).
 */
import net from 'node:net';

interface Trap {
  marker: Buffer;
  mode: 'cut-reply' | 'drop-request';
  /** cut-reply: awaited before cutting, so the server has finished what it was sent. */
  settled: () => Promise<void>;
  done: () => void;
}

export async function startReplyCuttingProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let trap: Trap | undefined;
  let cuts = 0;

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let holdReplies = false;
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    upstream.on('data', (chunk: Buffer) => {
      if (!holdReplies) client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      const sprung = trap && chunk.includes(trap.marker) ? trap : undefined;
      if (!sprung) {
        upstream.write(chunk);
        return;
      }
      trap = undefined;
      cuts += 1;
      if (sprung.mode === 'drop-request') {
        close();
        sprung.done();
        return;
      }
      holdReplies = true;
      upstream.write(chunk);
      void sprung.settled().finally(() => {
        close();
        sprung.done();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  const arm = (marker: string, mode: Trap['mode'], settled: () => Promise<void>) =>
    new Promise<void>((resolve) => {
      trap = { marker: Buffer.from(marker), mode, settled, done: resolve };
    });

  return {
    port,
    get cuts() {
      return cuts;
    },
    /** The next packet containing `marker` reaches the server; its answer never comes back. Resolves once cut. */
    cutReplyAfter: (marker: string, settled: () => Promise<void>) => arm(marker, 'cut-reply', settled),
    /** The next packet containing `marker` never reaches the server; the connection dies. */
    dropRequest: (marker: string) => arm(marker, 'drop-request', async () => undefined),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

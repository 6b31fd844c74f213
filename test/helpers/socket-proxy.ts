import fs from 'node:fs';
import net from 'node:net';

/** A unix-socket proxy in front of the Docker socket that a test can cut and restore: a daemon that dies and comes back. */
export class SocketProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly path: string,
    private readonly target = '/var/run/docker.sock',
  ) {}

  async up(): Promise<void> {
    fs.rmSync(this.path, { force: true });
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      this.sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.path, resolve));
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
    fs.rmSync(this.path, { force: true });
  }
}

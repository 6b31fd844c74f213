import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** True when Debian's docker-registry and skopeo are here. With CI=true a missing one is an error, never a skip. */
export function registryAvailable(): boolean {
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  const missing = ['docker-registry', 'skopeo', 'htpasswd', 'openssl'].filter((c) => !has(c));
  if (missing.length > 0 && process.env.CI === 'true') {
    throw new Error(`CI=true but ${missing.join(', ')} missing: .ci/run must install docker-registry, skopeo, apache2-utils and openssl`);
  }
  return missing.length === 0;
}

export type RegistryKind = 'plain' | 'htpasswd' | 'tls' | 'token';

export interface RunningRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  kind: RegistryKind;
  dir: string;
  /** For htpasswd registries. */
  user?: { name: string; password: string };
  /** For TLS registries: the self-signed certificate (its own CA). */
  caFile?: string;
  /** For token registries: the token service's requests (scope asked for, and whether credentials came). */
  tokenRequests?: { scope: string | null; withCredentials: boolean }[];
  process: ChildProcess;
  /**
   * Pushes an image with skopeo copy (`docker-archive:…`, `oci:DIR:TAG`); `all` copies a whole index.
   * Asynchronous: a token registry's token service answers from this process.
   */
  push(from: string, repoTag: string, all?: boolean): Promise<void>;
  /** The blob digests fathom has fetched (GET) so far, from the registry's access log. */
  blobsFetched(): string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not listen on ${port}: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
}

/** Starts Debian's docker-registry (distribution 2.8) on 127.0.0.1 with a config of its own, in a temp dir. */
export async function startRegistry(kind: RegistryKind): Promise<RunningRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fathom-registry-${kind}-`));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, '  delete:', '    enabled: true', 'http:', `  addr: ${host}`];
  let user: RunningRegistry['user'];
  let caFile: string | undefined;
  if (kind === 'htpasswd' || kind === 'tls') {
    user = { name: 'fathom', password: 'correct horse' };
    execFileSync('htpasswd', ['-Bbc', path.join(dir, 'htpasswd'), user.name, user.password], { stdio: 'ignore' });
    lines.push('auth:', '  htpasswd:', '    realm: fathom-test', `    path: ${dir}/htpasswd`);
  }
  let tokenServer: http.Server | undefined;
  const tokenRequests: NonNullable<RunningRegistry['tokenRequests']> = [];
  if (kind === 'token') {
    // Distribution's token auth, with a token service of the test's own: it checks Basic credentials and
    // signs a JWT (RS256, the certificate in x5c) that the registry checks against its root bundle.
    user = { name: 'fathom', password: 'token horse' };
    const key = path.join(dir, 'token-key.pem');
    const cert = path.join(dir, 'token-cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=fathom-test-token', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const signer = crypto.createPrivateKey(fs.readFileSync(key));
    const der = new crypto.X509Certificate(fs.readFileSync(cert)).raw.toString('base64');
    const tokenPort = await freePort();
    const expected = `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`;
    tokenServer = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const scope = url.searchParams.get('scope');
      tokenRequests.push({ scope, withCredentials: req.headers.authorization !== undefined });
      if (req.headers.authorization !== expected) return res.writeHead(401).end('{"details":"bad credentials"}');
      const access = (scope ?? '').split(' ').filter(Boolean).map((s) => {
        const [type, name, actions] = s.split(':');
        return { type, name, actions: actions.split(',') };
      });
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const body = `${b64({ alg: 'RS256', typ: 'JWT', x5c: [der] })}.${b64({ iss: 'fathom-test-issuer', sub: user!.name, aud: 'fathom-test', exp: now + 300, nbf: now - 10, iat: now, jti: String(Math.random()), access })}`;
      const signature = crypto.sign('RSA-SHA256', Buffer.from(body), signer).toString('base64url');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${body}.${signature}`, expires_in: 300 }));
    });
    await new Promise<void>((r) => tokenServer!.listen(tokenPort, '127.0.0.1', r));
    lines.push('auth:', '  token:', `    realm: http://127.0.0.1:${tokenPort}/token`, '    service: fathom-test', '    issuer: fathom-test-issuer', `    rootcertbundle: ${cert}`);
  }
  if (kind === 'tls') {
    caFile = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', caFile], { stdio: 'ignore' });
    // Under http: (a second "http:" key would replace the first).
    lines.splice(lines.indexOf(`  addr: ${host}`) + 1, 0, '  tls:', `    certificate: ${caFile}`, `    key: ${dir}/key.pem`);
  }
  fs.writeFileSync(path.join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const log = path.join(dir, 'log');
  const out = fs.openSync(log, 'w');
  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  await waitForPort(port, child, log);
  const creds = user ? ['--dest-creds', `${user.name}:${user.password}`] : [];
  return {
    host,
    kind,
    dir,
    user,
    caFile,
    ...(kind === 'token' && { tokenRequests }),
    process: child,
    async push(from, repoTag, all = false) {
      await execFileAsync('skopeo', ['copy', '-q', ...(all ? ['--all'] : []), '--dest-tls-verify=false', ...creds, from, `docker://${host}/${repoTag}`]);
    },
    blobsFetched() {
      const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
      return [...text.matchAll(/"GET \/v2\/[^ ]*\/blobs\/(sha256:[0-9a-f]{64}) [^"]*" 200 \d+ "[^"]*" "fathom"/g)].map((m) => m[1]);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await exited;
      }
      if (tokenServer) await new Promise((r) => tokenServer!.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP proxy in front of a registry that lets a test act when a blob is part-way through: after
 * `afterBytes` of a response to a request for `digest`, forwarding stops and `onMidBlob` runs (which kills
 * the registry, or does nothing: a registry that hangs).
 */
export class MidBlobProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  fired = false;

  constructor(
    private readonly target: number,
    private readonly digest: string,
    private readonly afterBytes: number,
    private readonly onMidBlob: () => void,
  ) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      let watching = false;
      let sent = 0;
      client.on('data', (d: Buffer) => {
        if (d.toString('latin1').includes(`/blobs/${this.digest}`)) watching = true;
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => {
        if (this.fired && watching) return; // held back: the blob stops here
        if (watching && sent + d.length >= this.afterBytes) {
          client.write(d.subarray(0, Math.max(0, this.afterBytes - sent)));
          this.fired = true;
          this.onMidBlob();
          return;
        }
        if (watching) sent += d.length;
        client.write(d);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as net.AddressInfo).port;
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { FathomError } from '../../errors.js';
import { terminalSafe } from '../../format.js';
import type { RegistryHost } from './reference.js';
import type { Transport } from '../types.js';


export interface TransportOptions {
  /** Plain HTTP, or HTTPS without checking the certificate, as `--insecure` allows. */
  insecure: boolean;
  /** Idle time (connect, or between bytes) before a request is given up; FATHOM_REGISTRY_TIMEOUT_MS overrides. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** What errors start with: the source as the user wrote it. */
  label?: string;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: URL;
}

const REDIRECTS = 5;

/** The certs.d directories the docker CLI and containers tools read, for one registry. */
function certsDirs(hostName: string, env: NodeJS.ProcessEnv): string[] {
  const config = env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config');
  return ['/etc/docker/certs.d', '/etc/containers/certs.d', path.join(config, 'containers', 'certs.d')].map((d) => path.join(d, hostName.replace(/:/g, process.platform === 'win32' ? '' : ':')));
}

interface TlsMaterial {
  ca: string[];
  cert?: Buffer;
  key?: Buffer;
  /** The certs.d files used, for the error when the certificate is still refused. */
  from: string[];
}

function readTlsMaterial(hostName: string, env: NodeJS.ProcessEnv): TlsMaterial {
  const ca = [...tls.rootCertificates];
  const from: string[] = [];
  // The system's own bundle too (what curl and the docker CLI trust), beside Node's built-in roots.
  for (const bundle of [env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt'].filter((f): f is string => Boolean(f))) {
    try {
      ca.push(fs.readFileSync(bundle, 'utf8'));
      break;
    } catch {
      /* not on this system */
    }
  }
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  for (const dir of certsDirs(hostName, env)) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      if (name.endsWith('.crt')) {
        ca.push(fs.readFileSync(file, 'utf8'));
        from.push(file);
      } else if (name.endsWith('.cert') && !cert) {
        // A client certificate goes with the key of the same name, as in docker's certs.d.
        const keyFile = file.replace(/\.cert$/, '.key');
        if (!fs.existsSync(keyFile)) throw new FathomError(`${file}: a client certificate without its key ${keyFile}`);
        cert = fs.readFileSync(file);
        key = fs.readFileSync(keyFile);
        from.push(file);
      }
    }
  }
  return { ca, cert, key, from };
}

function isLoopback(endpoint: string): boolean {
  const host = endpoint.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
}

/** Errors at the TLS layer that mean "this port speaks plain HTTP". */
function looksLikePlainHttp(e: NodeJS.ErrnoException): boolean {
  return e.code === 'EPROTO' || e.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(e.message);
}

const CERT_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

/**
 * HTTP to one registry, the way the docker CLI reaches it: HTTPS, trusting the system's CAs and the
 * registry's certs.d; plain HTTP only for --insecure or a registry on this machine (Docker's default
 * insecure range is 127.0.0.0/8). Redirects are followed; credentials go only to the registry itself.
 */
export class RegistryTransport {
  private transport: Transport | null = null;
  /** Set once a request to the registry has been answered: the scheme is known from then on. */
  private settled = false;
  private readonly tlsMaterial: TlsMaterial;
  private readonly agents: { https: https.Agent; http: http.Agent };
  readonly timeoutMs: number;
  /** What every error starts with (the source as the user wrote it). */
  private readonly label: string;

  constructor(
    readonly host: RegistryHost,
    private readonly options: TransportOptions,
  ) {
    const env = options.env ?? process.env;
    this.label = options.label ?? `registry://${host.name}`;
    this.tlsMaterial = readTlsMaterial(host.name, env);
    const fromEnv = Number(env.FATHOM_REGISTRY_TIMEOUT_MS);
    this.timeoutMs = Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : (options.timeoutMs ?? 30_000);
    this.agents = {
      https: new https.Agent({ keepAlive: true, maxSockets: 8, ca: this.tlsMaterial.ca, cert: this.tlsMaterial.cert, key: this.tlsMaterial.key, rejectUnauthorized: !options.insecure }),
      http: new http.Agent({ keepAlive: true, maxSockets: 8 }),
    };
  }

  /** How this registry was reached; known after the first request. */
  get how(): Transport | null {
    return this.transport;
  }

  close(): void {
    this.agents.https.destroy();
    this.agents.http.destroy();
  }

  /** The registry's own URL for an API path ("/v2/..."). */
  private base(t: Transport): string {
    return `${t.scheme}://${this.host.endpoint}`;
  }

  /**
   * One request, redirects followed. `auth` is sent to the registry only, never to where it redirects
   * (blob storage has its own signed URLs). The answer's body is the caller's to read or discard.
   */
  async send(apiPath: string, init: { method?: string; headers?: Record<string, string>; auth?: string } = {}): Promise<Answer> {
    if (!this.transport) return this.firstContact(apiPath, init);
    let url = new URL(this.base(this.transport) + apiPath);
    const registryOrigin = url.origin;
    for (let hop = 0; ; hop++) {
      const headers = { ...init.headers, ...(init.auth && url.origin === registryOrigin && { authorization: init.auth }) };
      let answer: Answer;
      try {
        answer = await this.once(url, init.method ?? 'GET', headers);
      } catch (e) {
        // Until the scheme is settled, the raw error tells plain HTTP from a bad certificate.
        throw this.settled ? this.explain(e as NodeJS.ErrnoException, url.protocol === 'https:' ? 'https' : 'http') : e;
      }
      this.settled = true;
      const location = answer.headers.location;
      if (answer.status >= 300 && answer.status < 400 && answer.status !== 304 && location) {
        answer.body.resume();
        if (hop >= REDIRECTS) throw new FathomError(`${this.label}: more than ${REDIRECTS} redirects for ${apiPath}`);
        const next = new URL(location, url);
        if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new FathomError(`${this.label}: redirect to ${JSON.stringify(terminalSafe(next.protocol))} for ${apiPath}`);
        if (next.protocol === 'http:' && url.protocol === 'https:' && !this.options.insecure) {
          throw new FathomError(`${this.label}: redirected from https to plain http (${terminalSafe(next.host)}); refused without --insecure`);
        }
        url = next;
        continue;
      }
      return answer;
    }
  }

  /** A GET of another URL the registry pointed to (its token service), with the same trust settings. */
  async fetchUrl(url: URL, headers: Record<string, string>): Promise<Answer> {
    if (url.protocol === 'http:' && !this.options.insecure && !isLoopback(url.host)) {
      throw new FathomError(`${this.label}: its token service ${terminalSafe(url.origin)} is plain http; refused without --insecure`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FathomError(`${this.label}: token service ${JSON.stringify(terminalSafe(url.href))} is not http(s)`);
    try {
      return await this.once(url, 'GET', headers);
    } catch (e) {
      throw this.explain(e as NodeJS.ErrnoException, url.protocol === 'https:' ? 'https' : 'http');
    }
  }

  /** The first request picks the scheme: https, and plain http where that is allowed and https is not spoken. */
  private async firstContact(apiPath: string, init: { method?: string; headers?: Record<string, string>; auth?: string }): Promise<Answer> {
    const httpAllowed = this.options.insecure || isLoopback(this.host.endpoint);
    try {
      this.transport = { scheme: 'https', verified: !this.options.insecure };
      return await this.send(apiPath, init);
    } catch (e) {
      this.transport = null;
      const err = e as NodeJS.ErrnoException;
      if (httpAllowed && (looksLikePlainHttp(err) || err.code === 'ECONNRESET')) {
        this.transport = { scheme: 'http' };
        try {
          return await this.send(apiPath, init);
        } catch (again) {
          this.transport = null;
          throw this.explain(again as NodeJS.ErrnoException, 'http');
        }
      }
      throw this.explain(err, 'https');
    }
  }

  private once(url: URL, method: string, headers: Record<string, string>): Promise<Answer> {
    const client = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.agents.https : this.agents.http;
    return new Promise<Answer>((resolve, reject) => {
      const req = client.request(url, { method, headers: { 'user-agent': 'fathom', ...headers }, agent, timeout: this.timeoutMs }, (res) => {
        res.setTimeout(this.timeoutMs, () => res.destroy(Object.assign(new Error(`no data for ${this.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${this.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end();
    });
  }

  /** One line for a transport failure: which registry, what happened, what to do. */
  explain(e: NodeJS.ErrnoException, scheme: 'https' | 'http'): Error {
    if (e instanceof FathomError) return e;
    const where = `${this.label}: ${scheme}://${this.host.endpoint}`;
    if (e.code && CERT_ERRORS.has(e.code)) {
      const trusted = this.tlsMaterial.from.length > 0 ? ` even with ${this.tlsMaterial.from.join(', ')}` : '';
      return new TransportFailure(where, `its TLS certificate is not trusted${trusted} (${e.code}): put the CA that signed it in /etc/docker/certs.d/${this.host.name}/ca.crt, or use --insecure`);
    }
    if (e.code === 'ECONNREFUSED') return new TransportFailure(where, `connection refused (is the registry running?)`);
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return new TransportFailure(where, `no such host`);
    if (e.code === 'ETIMEDOUT') return new TransportFailure(where, `${e.message}`);
    if (looksLikePlainHttp(e)) return new TransportFailure(where, `does not speak https; if it is a plain-http registry, use --insecure`);
    return new TransportFailure(where, `${e.code ?? 'error'}: ${terminalSafe(e.message)}`);
  }
}

/** The registry could not be reached, or stopped answering, before a response began: `reason` says how. */
export class TransportFailure extends FathomError {
  constructor(
    where: string,
    readonly reason: string,
  ) {
    super(`${where}: ${reason}`);
  }
}

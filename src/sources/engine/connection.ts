import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { FathomError } from '../../errors.js';

export type EngineKind = 'docker' | 'podman';

/** Where fathom decided to find the engine, and why: the "why" goes into every connection error. */
export interface EngineEndpoint {
  kind: EngineKind;
  /** "unix:///var/run/docker.sock", "tcp://host:2376". */
  url: string;
  /** "--host", "DOCKER_HOST", "docker context \"x\"", "the default socket". */
  origin: string;
  options: Docker.DockerOptions;
}

/**
 * An engine reached through a unix socket runs on this host: its data root and a container's overlay
 * dirs are paths here. Over TCP they are the other host's paths, whatever this one has at them.
 */
export function onThisHost(endpoint: EngineEndpoint): boolean {
  return endpoint.url.startsWith('unix://');
}

function fromUrl(url: string, tlsDir: string | null): Docker.DockerOptions {
  if (url.startsWith('unix://')) return { socketPath: url.slice('unix://'.length) };
  if (url.startsWith('npipe://')) return { socketPath: url.slice('npipe://'.length) };
  const m = /^(tcp|http|https):\/\/([^:/]+)(?::(\d+))?/.exec(url);
  if (!m) throw new FathomError(`engine address ${JSON.stringify(url)} is not unix://PATH or tcp://HOST:PORT`);
  const tls = m[1] === 'https' || tlsDir !== null;
  const options: Docker.DockerOptions = { host: m[2], port: Number(m[3] ?? (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' };
  if (tls && tlsDir) {
    const read = (f: string) => {
      try {
        return fs.readFileSync(path.join(tlsDir, f));
      } catch {
        throw new FathomError(`TLS for ${url}: cannot read ${path.join(tlsDir, f)} (DOCKER_CERT_PATH)`);
      }
    };
    options.ca = read('ca.pem');
    options.cert = read('cert.pem');
    options.key = read('key.pem');
  }
  return options;
}

/** The docker CLI's current context, when it names an endpoint other than the default. */
function dockerContextHost(env: NodeJS.ProcessEnv): { name: string; host: string; tlsDir: string | null } | null {
  const configDir = env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');
  let name = env.DOCKER_CONTEXT;
  if (!name) {
    try {
      name = (JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      return null;
    }
  }
  if (!name || name === 'default') return null;
  const id = createHash('sha256').update(name).digest('hex');
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(configDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as {
      Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
    };
    const host = meta.Endpoints?.docker?.Host;
    if (!host) return null;
    const tlsDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
    return { name, host, tlsDir: fs.existsSync(tlsDir) ? tlsDir : null };
  } catch {
    throw new FathomError(`docker context "${name}" is current but ${path.join(configDir, 'contexts', 'meta', id, 'meta.json')} cannot be read`);
  }
}

function podmanSockets(env: NodeJS.ProcessEnv): string[] {
  const sockets: string[] = [];
  if (env.XDG_RUNTIME_DIR) sockets.push(path.join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'));
  sockets.push('/run/podman/podman.sock');
  return sockets;
}

/**
 * Finds the engine the way the docker CLI does: --host, then DOCKER_HOST (with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH), then the current docker context, then the default socket. podman:// looks for
 * podman's Docker-compatible socket (CONTAINER_HOST, $XDG_RUNTIME_DIR/podman/podman.sock, /run/podman/podman.sock).
 */
export function resolveEndpoint(kind: EngineKind, hostFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const tlsDir = env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0' ? (env.DOCKER_CERT_PATH ?? path.join(os.homedir(), '.docker')) : null;
  const make = (url: string, origin: string, tls: string | null = tlsDir): EngineEndpoint => ({ kind, url, origin, options: fromUrl(url, tls) });
  if (hostFlag) return make(hostFlag.includes('://') ? hostFlag : `unix://${hostFlag}`, '--host');
  if (kind === 'podman') {
    if (env.CONTAINER_HOST) return make(env.CONTAINER_HOST, 'CONTAINER_HOST', null);
    const found = podmanSockets(env).find((s) => fs.existsSync(s));
    return make(`unix://${found ?? podmanSockets(env)[0]}`, found ? "podman's socket" : "podman's default socket", null);
  }
  if (env.DOCKER_HOST) return make(env.DOCKER_HOST, 'DOCKER_HOST');
  const context = dockerContextHost(env);
  if (context) return make(context.host, `docker context "${context.name}"`, context.tlsDir);
  return make('unix:///var/run/docker.sock', 'the default socket', null);
}

/** Turns a connection failure into one line saying where fathom looked and how to point it elsewhere. */
export function explainConnectionError(e: unknown, endpoint: EngineEndpoint): FathomError {
  const err = e as NodeJS.ErrnoException & { statusCode?: number; json?: { message?: unknown } | null };
  const where = `${endpoint.url} (from ${endpoint.origin})`;
  const elsewhere = endpoint.kind === 'podman' ? 'start it with `systemctl --user start podman.socket`, or use --host' : 'set DOCKER_HOST, switch `docker context`, or use --host';
  switch (err.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return new FathomError(`no ${endpoint.kind} engine answers at ${where}; ${elsewhere}`);
    case 'EACCES':
    case 'EPERM':
      return new FathomError(
        `permission denied on ${where}; add yourself to the docker group (\`sudo usermod -aG docker $USER\`, then log in again) or run as root`,
      );
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENOTFOUND':
      return new FathomError(`cannot reach the ${endpoint.kind} engine at ${where} (${err.code}); ${elsewhere}`);
    default:
      break;
  }
  // The engine's own words when it gave them as text (its error answers are input like any other).
  const said = typeof err.json === 'object' && err.json !== null ? err.json.message : undefined;
  const message = typeof said === 'string' ? said : typeof err.message === 'string' ? err.message : String(e);
  return new FathomError(`${endpoint.kind} engine at ${endpoint.url}: ${message.trim()}`);
}

export function isConnectionError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'EPERM' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT';
}

export interface Engine {
  endpoint: EngineEndpoint;
  docker: Docker;
}

/** dockerode (and its ssh and native bits) load only when an engine is actually used: archives never pay for it. */
let dockerode: typeof Docker | null = null;
function loadDockerode(): typeof Docker {
  dockerode ??= bundledDockerode() ?? (createRequire(import.meta.url)('dockerode') as typeof Docker);
  return dockerode;
}

/**
 * Beside the CLI's bundle, dockerode's own (scripts/bundle.mjs), run with V8's code cache as the CLI's
 * is: ~12 ms to load instead of ~90 ms file by file. Null where this module runs unbundled.
 */
function bundledDockerode(): typeof Docker | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const bundle = path.join(here, 'dockerode.cjs');
  const codeCache = path.join(here, '..', 'bin', 'code-cache.cjs');
  if (!fs.existsSync(bundle) || !fs.existsSync(codeCache)) return null;
  const { runBundle } = createRequire(import.meta.url)(codeCache) as { runBundle: (file: string) => unknown };
  return runBundle(bundle) as typeof Docker;
}

export function connect(kind: EngineKind, hostFlag?: string): Engine {
  const endpoint = resolveEndpoint(kind, hostFlag);
  const DockerClient = loadDockerode();
  return { endpoint, docker: new DockerClient(endpoint.options) };
}

/** Asks the engine to answer; throws the one-line explanation when it doesn't. */
export async function ping(engine: Engine, timeoutMs = 3000): Promise<void> {
  try {
    await Promise.race([
      engine.docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), timeoutMs).unref()),
    ]);
  } catch (e) {
    throw explainConnectionError(e, engine.endpoint);
  }
}

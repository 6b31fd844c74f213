import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FathomError } from '../../errors.js';
import { terminalSafe } from '../../format.js';

export interface Credentials {
  username: string;
  password: string;
  /** Where they came from, for the error when the registry refuses them. */
  origin: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Docker Hub's credentials are filed under its v1 index address, as the docker CLI files them. */
const HUB_KEY = 'https://index.docker.io/v1/';

/** The keys a registry's credentials may be filed under: "host", "https://host", "http://host/v2/"... */
function keyMatches(key: string, hostName: string): boolean {
  if (hostName === 'docker.io' && (key === HUB_KEY || key === 'docker.io' || key === 'index.docker.io')) return true;
  const bare = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return bare === hostName;
}

function configFiles(env: NodeJS.ProcessEnv): string[] {
  const files = [path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json')];
  // podman and skopeo keep the same format here; the docker CLI's file comes first.
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  return files;
}

function readConfig(file: string): DockerConfig | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as DockerConfig) : null;
  } catch (e) {
    throw new FathomError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Asks a `docker-credential-HELPER` program, as the docker CLI does: the server on stdin, JSON on stdout. */
function fromHelper(helper: string, hostName: string, file: string): Credentials | null {
  if (!/^[\w.-]+$/.test(helper)) throw new FathomError(`${file}: credential helper ${JSON.stringify(terminalSafe(helper))} is not a program name`);
  const program = `docker-credential-${helper}`;
  const server = hostName === 'docker.io' ? HUB_KEY : hostName;
  const run = spawnSync(program, ['get'], { input: server, encoding: 'utf8', timeout: 30_000, maxBuffer: 1 << 20 });
  if (run.error) throw new FathomError(`${file}: credential helper ${program} could not be run (${(run.error as NodeJS.ErrnoException).code ?? run.error.message})`);
  if (run.status !== 0) {
    // "credentials not found in native keychain" is a helper's way of saying: none for this server.
    if (/not found/i.test(run.stdout + run.stderr)) return null;
    throw new FathomError(`${program} get ${server}: exited ${run.status}: ${terminalSafe((run.stderr || run.stdout).trim().split('\n')[0] ?? '')}`);
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(run.stdout) as typeof answer;
  } catch {
    throw new FathomError(`${program} get ${server}: its answer is not JSON`);
  }
  if (typeof answer.Username !== 'string' || typeof answer.Secret !== 'string') throw new FathomError(`${program} get ${server}: its answer has no Username and Secret`);
  return { username: answer.Username, password: answer.Secret, origin: program };
}

function fromAuths(config: DockerConfig, hostName: string, file: string): Credentials | null {
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!keyMatches(key, hostName) || !entry || typeof entry !== 'object') continue;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new FathomError(`${file}: auths[${JSON.stringify(key)}].auth is not base64 of USER:PASSWORD`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), origin: file };
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password, origin: file };
  }
  return null;
}

/**
 * The credentials the docker CLI would use for a registry: `credHelpers[host]`, else `credsStore`, else
 * `auths` in config.json ($DOCKER_CONFIG or ~/.docker), then podman's auth.json. None is fine: anonymous.
 */
export function findCredentials(hostName: string, env: NodeJS.ProcessEnv = process.env): Credentials | null {
  for (const file of configFiles(env)) {
    const config = readConfig(file);
    if (!config) continue;
    const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => keyMatches(key, hostName))?.[1];
    if (typeof helper === 'string') return fromHelper(helper, hostName, file);
    const stored = fromAuths(config, hostName, file);
    if (stored) return stored;
    if (typeof config.credsStore === 'string' && config.credsStore !== '') {
      const found = fromHelper(config.credsStore, hostName, file);
      if (found) return found;
    }
  }
  return null;
}

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRegistryLocation } from '../../src/sources/registry/reference.js';
import { RegistryClient, nextPage, parseChallenge, retryAfterSeconds } from '../../src/sources/registry/client.js';
import { findCredentials } from '../../src/sources/registry/credentials.js';
import { parseSourceSpec } from '../../src/sources/source-spec.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-reg-unit-'));
  dirs.push(d);
  return d;
};

describe('registry:// references', () => {
  it('reads host, port, repository, tag and digest as the docker CLI does', () => {
    expect(parseRegistryLocation('127.0.0.1:5000/app')).toEqual({ host: { name: '127.0.0.1:5000', endpoint: '127.0.0.1:5000' }, repository: 'app', ref: { tag: 'latest' } });
    expect(parseRegistryLocation('ghcr.io/org/tool:v1.2')).toMatchObject({ repository: 'org/tool', ref: { tag: 'v1.2' } });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseRegistryLocation(`h:1/x/y:t@${digest}`)).toMatchObject({ repository: 'x/y', ref: { digest, tag: 't' } });
    expect(parseRegistryLocation('docker.io/alpine')).toEqual({ host: { name: 'docker.io', endpoint: 'registry-1.docker.io' }, repository: 'library/alpine', ref: { tag: 'latest' } });
    expect(parseRegistryLocation('localhost:5000')).toEqual({ host: { name: 'localhost:5000', endpoint: 'localhost:5000' }, repository: null });
    expect(parseSourceSpec('registry://127.0.0.1:5000/a/b:c')).toMatchObject({ kind: 'registry', repository: 'a/b' });
  });

  it('refuses what is no reference, quoting it, before anything reaches a URL', () => {
    expect(() => parseRegistryLocation('h:1/App')).toThrow('registry://h:1/App: "App" is not a repository name');
    expect(() => parseRegistryLocation('h:1/a/../b')).toThrow(/is not a repository name/);
    expect(() => parseRegistryLocation('h:1/a:bad tag')).toThrow('"bad tag" is not a tag');
    expect(() => parseRegistryLocation('h:1/a@sha256:xyz')).toThrow('"sha256:xyz" is not a sha256 digest');
    expect(() => parseRegistryLocation('user@host/a')).toThrow(/"user@host" is not a registry host/);
    expect(() => parseRegistryLocation('h?x=1/a')).toThrow(/is not a registry host/);
  });
});

describe('the distribution API\'s headers', () => {
  it('WWW-Authenticate challenges: Basic and Bearer with quoted parameters', () => {
    expect(parseChallenge('Basic realm="fathom-test"')).toEqual({ scheme: 'basic', params: { realm: 'fathom-test' } });
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' },
    });
    expect(parseChallenge('')).toBeNull();
  });

  it('Retry-After in seconds or as a date; Link pages only on the same registry', () => {
    expect(retryAfterSeconds('30')).toBe(30);
    expect(retryAfterSeconds(new Date(Date.UTC(2030, 0, 1, 0, 1)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(60);
    expect(retryAfterSeconds(undefined)).toBeNull();
    expect(nextPage('</v2/_catalog?last=b&n=2>; rel="next"')).toBe('/v2/_catalog?last=b&n=2');
    expect(nextPage('<https://elsewhere/v2/_catalog?last=b>; rel="next"')).toBeNull();
    expect(nextPage(undefined)).toBeNull();
  });
});

describe('credentials as the docker CLI finds them', () => {
  it('auths in config.json (base64 USER:PASSWORD, any spelling of the key), then podman\'s auth.json; none is anonymous', () => {
    const docker = tmp();
    fs.writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ auths: { 'https://reg.example:5000/v2/': { auth: Buffer.from('u:p:with:colons').toString('base64') } } }));
    expect(findCredentials('reg.example:5000', { DOCKER_CONFIG: docker })).toEqual({ username: 'u', password: 'p:with:colons', origin: path.join(docker, 'config.json') });
    expect(findCredentials('other.example', { DOCKER_CONFIG: docker })).toBeNull();
    const runtime = tmp();
    fs.mkdirSync(path.join(runtime, 'containers'));
    fs.writeFileSync(path.join(runtime, 'containers', 'auth.json'), JSON.stringify({ auths: { 'other.example': { auth: Buffer.from('pod:man').toString('base64') } } }));
    expect(findCredentials('other.example', { DOCKER_CONFIG: docker, XDG_RUNTIME_DIR: runtime })).toMatchObject({ username: 'pod', password: 'man' });
  });

  it('a credential helper that is not installed is one line naming it', () => {
    const docker = tmp();
    fs.writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ credsStore: 'nosuchhelper' }));
    expect(() => findCredentials('reg.example', { DOCKER_CONFIG: docker, PATH: '/nonexistent' })).toThrow(/credential helper docker-credential-nosuchhelper could not be run \(ENOENT\)/);
    fs.writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ credsStore: '../evil' }));
    expect(() => findCredentials('reg.example', { DOCKER_CONFIG: docker })).toThrow(/"..\/evil" is not a program name/);
  });
});

/** A one-route server for answers a real registry won't give on demand (429, 403, a Bearer token service). */
async function serve(handler: http.RequestListener): Promise<{ host: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { host: `127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('answers a registry may give', () => {
  it('429 with Retry-After, 403 with the registry\'s own words (quoted safe), a Bearer token fetched once per scope', async () => {
    let tokenAsks = 0;
    const s = await serve((req, res) => {
      if (req.url?.startsWith('/token')) {
        tokenAsks++;
        expect(req.url).toContain('scope=repository%3Aok%3Apull');
        return res.end(JSON.stringify({ token: 'T' }));
      }
      if (req.url === '/v2/slow/manifests/1') return res.writeHead(429, { 'retry-after': '17' }).end();
      if (req.url === '/v2/shut/manifests/1') return res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'no \x1b[31mway' }] }));
      if (req.url?.startsWith('/v2/ok/')) {
        if (req.headers.authorization !== 'Bearer T') return res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${s.host}/token",service="test"` }).end();
        return res.writeHead(404).end();
      }
      res.writeHead(500).end();
    });
    const client = new RegistryClient({ name: s.host, endpoint: s.host }, { insecure: true, credentials: null, label: 'registry://test' });
    try {
      await expect(client.manifest('slow', '1', 'manifest')).rejects.toThrow('registry://test: manifest: too many requests (429); the registry says to retry after 17 s');
      await expect(client.manifest('shut', '1', 'manifest')).rejects.toThrow('registry://test: manifest: access denied (403 Forbidden): DENIED no \\x1b[31mway');
      expect(await client.manifest('ok', '1', 'manifest')).toBeNull();
      expect(await client.manifest('ok', '2', 'manifest')).toBeNull();
      expect(tokenAsks).toBe(1);
    } finally {
      client.close();
      await s.close();
    }
  });
});

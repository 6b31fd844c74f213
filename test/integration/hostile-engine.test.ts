import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

/**
 * An engine is whatever answers at DOCKER_HOST or --host: a remote host, a proxy, another implementation
 * of the API. These answer fathom's requests with the wrong shapes (the requests are the real ones
 * dockerode makes), and every command must say which answer and which field in one line, exit 2.
 */

const CONTAINER = 'c'.repeat(64);

/** What the engine answers, by request path (without the API version): a status and a JSON body. */
type Answer = { status?: number; body: unknown };
/** Keyed by the pattern's source, so setting one again replaces it. */
let answers: Map<string, { pattern: RegExp; answer: Answer }>;
function answer(pattern: RegExp, a: Answer): void {
  answers.set(pattern.source, { pattern, answer: a });
}
let work: string;
let unixServer: http.Server;
let tcpServer: http.Server;
let tcpHost: string;

function answerFor(url: string): Answer {
  const bare = url.replace(/^\/v[0-9.]+/, '');
  for (const { pattern, answer: a } of answers.values()) if (pattern.test(bare)) return a;
  return { status: 404, body: { message: `no such thing: ${bare}` } };
}

function fakeEngine(): http.Server {
  return http.createServer((req, res) => {
    if (req.url?.endsWith('/_ping')) {
      res.writeHead(200, { 'api-version': '1.41' });
      res.end('OK');
      return;
    }
    const { status = 200, body } = answerFor(req.url ?? '/');
    res.writeHead(status, { 'content-type': 'application/json', 'api-version': '1.41' });
    res.end(JSON.stringify(body));
  });
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-hostile-engine-'));
  unixServer = fakeEngine();
  await new Promise<void>((resolve) => unixServer.listen(path.join(work, 'engine.sock'), resolve));
  tcpServer = fakeEngine();
  await new Promise<void>((resolve) => tcpServer.listen(0, '127.0.0.1', resolve));
  tcpHost = `tcp://127.0.0.1:${(tcpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all([unixServer, tcpServer].filter(Boolean).map((s) => new Promise((resolve) => s.close(resolve))));
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  answers = new Map();
});

/** The binary, run without blocking this process (whose event loop is the fake engine's). */
function run(args: string[], host = `unix://${path.join(work, 'engine.sock')}`): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'fathom.js'), ...args, '--host', host], { env: { ...process.env, FATHOM_STORE: path.join(work, 'store') }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** One line naming the answer and the field, exit 2, nothing on stdout, nothing internal. */
async function expectOneLine(args: string[], message: RegExp): Promise<void> {
  const r = await run(args);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^fathom: /);
  expect(lines[0]).not.toMatch(/FATHOM_DEBUG|Cannot read|is not a function|undefined/);
  expect(lines[0]).toMatch(message);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
}

describe('an engine that answers with the wrong shapes gets one clear line', () => {
  it('the image list: /system/df and /images/json of the wrong shape', async () => {
    answer(/^\/images\/json/, { body: [] });
    answer(/^\/system\/df/, { body: { Images: 'all of them' } });
    await expectOneLine(['images', '--json'], /docker engine at unix:\/\/.*engine\.sock: its answer to GET \/system\/df: Images is a string, not a list$/);
    answer(/^\/system\/df/, { body: { Images: [{ Id: `sha256:${'a'.repeat(64)}`, Size: 'big' }] } });
    await expectOneLine(['images'], /GET \/system\/df: Images\[0\]\.Size is a string, not a number$/);
    answer(/^\/system\/df/, { body: { Images: [] } });
    answer(/^\/images\/json/, { body: [{ Id: 5 }] });
    await expectOneLine(['images', '--json'], /GET \/images\/json: \[0\]\.Id is a number, not a string$/);
    answer(/^\/images\/json/, { body: [{ Id: '../../etc/passwd' }] });
    await expectOneLine(['images', '--json'], /GET \/images\/json: \[0\]\.Id "\.\.\/\.\.\/etc\/passwd" is not an image ID$/);
  });

  it('an image: an inspect answer without an ID, with layers that are not digests, or not an object at all', async () => {
    answer(/^\/images\/app\/json/, { body: { RepoTags: ['app:1'] } });
    await expectOneLine(['inspect', 'docker://app', '--json'], /GET \/images\/app\/json: Id is missing \(a string was expected\)$/);
    answer(/^\/images\/app\/json/, { body: { Id: `sha256:${'a'.repeat(64)}`, RootFS: { Layers: ['../../../etc'] } } });
    await expectOneLine(['inspect', 'docker://app', '--json'], /GET \/images\/app\/json: RootFS\.Layers\[0\] "\.\.\/\.\.\/\.\.\/etc" is not a sha256 digest$/);
    answer(/^\/images\/app\/json/, { body: 'an image' });
    await expectOneLine(['inspect', 'docker://app', '--json'], /GET \/images\/app\/json: the answer is a string, not an object$/);
  });

  it('containers: the list, one container, and its changes', async () => {
    answer(/^\/containers\/json/, { body: [{ Id: null, Names: ['/web'] }] });
    await expectOneLine(['container', '--json'], /GET \/containers\/json: \[0\]\.Id is null, not a string$/);
    answer(/^\/containers\/json/, { body: [{ Id: CONTAINER, Names: '/web' }] });
    await expectOneLine(['container', '--json'], /GET \/containers\/json: \[0\]\.Names is a string, not a list$/);
    answer(/^\/containers\/web\/json/, { body: { Id: CONTAINER, Name: '/web', Config: 'none' } });
    await expectOneLine(['container', 'web', '--json'], /GET \/containers\/web\/json: Config is a string, not an object$/);
    answer(/^\/containers\/web\/json/, { body: { Id: CONTAINER, Name: '/web', GraphDriver: { Name: 'overlay2', Data: { UpperDir: 7 } } } });
    await expectOneLine(['container', 'web', '--json'], /GET \/containers\/web\/json: GraphDriver\.Data\.UpperDir is a number, not a string$/);
    answer(/^\/containers\/web\/json/, { body: { Id: CONTAINER, Name: '/web' } });
    answer(/^\/containers\/json/, { body: [] });
    answer(new RegExp(`^/containers/${CONTAINER}/changes`), { body: [{ Path: 3, Kind: 0 }] });
    await expectOneLine(['container', 'web', '--json'], /GET \/containers\/cccccccccccc\/changes: \[0\]\.Path is a number, not a string$/);
    answer(new RegExp(`^/containers/${CONTAINER}/changes`), { body: [{ Path: '/etc', Kind: 9 }] });
    await expectOneLine(['container', 'web', '--json'], /GET \/containers\/cccccccccccc\/changes: \[0\]\.Kind is 9, not 0, 1 or 2$/);
  });

  it("an error answer whose message is not text: the engine's status, not a crash", async () => {
    answer(/^\/images\/app\/json/, { status: 500, body: { message: { nested: 'object' } } });
    await expectOneLine(['inspect', 'docker://app', '--json'], /^fathom: docker engine at unix:\/\/.*engine\.sock: /);
  });

  it("a remote engine's overlay dirs are its host's paths: never read here, sizes come from the engine", async () => {
    // A directory this host can read, named as the container's upper dir by an engine elsewhere.
    const here = fs.mkdtempSync(path.join(work, 'local-dir-'));
    fs.writeFileSync(path.join(here, 'secret'), 'not the container\'s');
    answer(/^\/containers\/web\/json/, { body: { Id: CONTAINER, Name: '/web', Image: `sha256:${'a'.repeat(64)}`, GraphDriver: { Name: 'overlay2', Data: { UpperDir: here, LowerDir: here } } } });
    answer(/^\/containers\/json/, { body: [{ Id: CONTAINER, SizeRw: 10, SizeRootFs: 100 }] });
    answer(new RegExp(`^/containers/${CONTAINER}/changes`), { body: [{ Path: '/secret', Kind: 1 }] });
    const r = await run(['container', 'web', '--json'], tcpHost);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { sizesFrom: string; changes: { path: string; sizeBytes: number | null }[]; sizeRwBytes: number };
    expect(report.sizesFrom).toBe('archive-api');
    expect(report.sizeRwBytes).toBe(10);
    // The engine gave no archive stat: the size is unknown, not the local file's.
    expect(report.changes).toEqual([expect.objectContaining({ path: '/secret', sizeBytes: null })]);
  });
});

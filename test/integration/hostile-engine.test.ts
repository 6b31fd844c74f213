import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fathomAsync, type CliResult } from '../helpers/cli.js';
import { fuzzSettings, prng } from '../helpers/mutate.js';
import { isFathomError } from '../../src/errors.js';
import { LayerStore } from '../../store/store.js';
import { connect } from '../../src/sources/engine/connection.js';
import { listEngineImages } from '../../src/sources/engine/images.js';
import { containerReport, listContainers } from '../../src/sources/engine/containers.js';
import { engineSource } from '../../src/sources/engine/engine-source.js';

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
function run(args: string[], host = `unix://${path.join(work, 'engine.sock')}`): Promise<CliResult> {
  return fathomAsync([...args, '--host', host], { FATHOM_STORE: path.join(work, 'store') });
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
    answer(/^\/system\/df/, { body: { Images: [{ Id: `sha256:${'a'.repeat(64)}`, Size: 10, SharedSize: 1e308 }] } });
    await expectOneLine(['images'], /GET \/system\/df: Images\[0\]\.SharedSize is 1e\+308, not a whole number from 0 to 2\^53$/);
    answer(/^\/system\/df/, { body: { Images: [] } });
    answer(/^\/images\/json/, { body: [{ Id: 5 }] });
    await expectOneLine(['images', '--json'], /GET \/images\/json: \[0\]\.Id is a number, not a string$/);
    answer(/^\/images\/json/, { body: [{ Id: '../../etc/passwd' }] });
    await expectOneLine(['images', '--json'], /GET \/images\/json: \[0\]\.Id "\.\.\/\.\.\/etc\/passwd" is not an image ID$/);
  });

  it("an image or a container with no creation date (Go's zero time) is listed, its date unknown (0, as where the engine gives none)", async () => {
    const image = `sha256:${'a'.repeat(64)}`;
    answer(/^\/system\/df/, { body: { Images: [{ Id: image, RepoTags: ['undated:1'], Created: -62135596800, Size: 10, SharedSize: 0, Containers: 0 }] } });
    answer(/^\/images\/json/, { body: [{ Id: image, RepoTags: ['undated:1'], Created: -62135596800, Size: 10 }] });
    const r = await run(['images', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ repoTags: ['undated:1'], created: 0 })]);
    answer(/^\/system\/df/, { body: { Images: [{ Id: image, Created: -62135596801, Size: 10 }] } });
    await expectOneLine(['images'], /GET \/system\/df: Images\[0\]\.Created is -62135596801, not a whole number from -62135596800 to 2\^53$/);
    answer(/^\/containers\/json/, { body: [{ Id: CONTAINER, Names: ['/undated'], Image: 'undated:1', ImageID: image, Created: -62135596800, State: 'created', Status: 'Created' }] });
    const containers = await run(['container', '--json']);
    expect(containers.stderr).toBe('');
    expect(containers.code).toBe(0);
    expect(JSON.parse(containers.stdout)).toEqual([expect.objectContaining({ name: 'undated', created: 0 })]);
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
    answer(new RegExp(`^/containers/${CONTAINER}/changes`), { body: [{ Path: '../../etc', Kind: 1 }] });
    await expectOneLine(['container', 'web', '--json'], /GET \/containers\/cccccccccccc\/changes: \[0\]\.Path "\.\.\/\.\.\/etc" is not an absolute path$/);
    answer(new RegExp(`^/containers/${CONTAINER}/changes`), { body: [] });
    answer(/^\/containers\/json/, { body: [{ Id: CONTAINER, SizeRw: -7 }] });
    await expectOneLine(['container', 'web', '--json'], /GET \/containers\/json\?size=1: \[0\]\.SizeRw is -7, not a whole number from 0 to 2\^53$/);
    answer(/^\/containers\/json/, { body: [{ Id: CONTAINER, Ports: [{ PrivatePort: 80, PublicPort: 70000, Type: 'tcp' }] }] });
    await expectOneLine(['container', '--json'], /GET \/containers\/json: \[0\]\.Ports\[0\]\.PublicPort is 70000, not a whole number from 0 to 65535$/);
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

/** A real engine's answers (dockerd 20.10's shapes), for the fuzzer to damage one value of at a time. */
function realAnswers(): Record<string, unknown> {
  const image = `sha256:${'a'.repeat(64)}`;
  return {
    '^/system/df': { LayersSize: 100, Images: [{ Id: image, ParentId: '', RepoTags: ['app:1'], RepoDigests: [], Created: 1700000000, Size: 100, SharedSize: -1, VirtualSize: 100, Labels: null, Containers: 1 }], Containers: [], Volumes: [] },
    '^/images/json': [{ Id: image, ParentId: '', RepoTags: ['app:1', '<none>:<none>'], Created: 1700000000, Size: 100, SharedSize: -1, Containers: -1 }],
    '^/images/app/json': { Id: image, RepoTags: ['app:1'], RootFS: { Type: 'layers', Layers: [`sha256:${'b'.repeat(64)}`] }, Size: 100, Os: 'linux' },
    '^/info': { DockerRootDir: path.join(work, 'no-such-root'), Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']] },
    '^/containers/json': [{ Id: CONTAINER, Names: ['/web'], Image: 'app:1', ImageID: image, Command: 'sh', Created: 1700000000, Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }], SizeRw: 5, SizeRootFs: 105, State: 'running', Status: 'Up 2 minutes' }],
    '^/containers/web/json': { Id: CONTAINER, Name: '/web', Image: image, Config: { Image: 'app:1', Tty: false }, State: { Status: 'running', ExitCode: 0 }, GraphDriver: { Name: 'overlay2', Data: { UpperDir: path.join(work, 'no-upper'), LowerDir: path.join(work, 'no-lower') } } },
    [`^/containers/${CONTAINER}/changes`]: [{ Path: '/etc', Kind: 0 }, { Path: '/etc/app.conf', Kind: 1 }, { Path: '/tmp/x', Kind: 2 }],
  };
}

/** Every value inside an answer, as the path of keys to it (the answer itself is the empty path). */
function valuePaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...valuePaths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...valuePaths(x, [...at, k]));
  return out;
}

const HOSTILE_VALUES: unknown[] = [undefined, null, '', 'x', '\u001b[31m', -1, -2, 0, 1.5, 1e300, Number.MAX_SAFE_INTEGER + 2, true, [], {}, [null], { a: 1 }, '../../etc/passwd', `sha256:${'0'.repeat(63)}`];

describe('engine answer fuzzer', () => {
  const { seed, cases } = fuzzSettings(300);
  it(`${cases} cases, seed ${seed} (FATHOM_FUZZ_SEED=${seed} replays them): every engine call either answers or fails in one line of its own, never an internal error`, async () => {
    const rand = prng(seed);
    const engine = connect('docker', `unix://${path.join(work, 'engine.sock')}`);
    const store = new LayerStore(path.join(work, 'fuzz-store'));
    // Each endpoint with the call that reads it.
    const calls: [string, () => Promise<unknown>][] = [
      ['^/system/df', () => listEngineImages(engine)],
      ['^/images/json', () => listEngineImages(engine)],
      ['^/images/app/json', () => engineSource('docker', 'app', { host: engine.endpoint.url }).resolve({ store })],
      ['^/info', () => engineSource('docker', 'app', { host: engine.endpoint.url }).resolve({ store, engineRead: 'store' })],
      ['^/containers/json', () => listContainers(engine)],
      ['^/containers/web/json', () => containerReport(engine, 'web')],
      [`^/containers/${CONTAINER}/changes`, () => containerReport(engine, 'web')],
    ];
    const outcomes = { answered: 0, refused: 0 };
    for (let n = 0; n < cases; n++) {
      const base = realAnswers();
      const [endpoint, call] = calls[Math.floor(rand() * calls.length)];
      const target = base[endpoint];
      const spots = valuePaths(target);
      const spot = spots[Math.floor(rand() * spots.length)];
      const value = HOSTILE_VALUES[Math.floor(rand() * HOSTILE_VALUES.length)];
      const damaged = structuredClone(target);
      if (spot.length === 0) base[endpoint] = value;
      else {
        let parent = damaged as Record<string | number, unknown>;
        for (const key of spot.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        if (value === undefined) delete parent[spot.at(-1)!];
        else parent[spot.at(-1)!] = value;
        base[endpoint] = damaged;
      }
      answers = new Map(Object.entries(base).map(([pattern, body]) => [pattern, { pattern: new RegExp(pattern), answer: { body } }]));
      const label = `case ${n}: ${endpoint} at ${JSON.stringify(spot)} = ${JSON.stringify(value) ?? 'removed'}`;
      try {
        await call();
        outcomes.answered++;
      } catch (e) {
        expect(isFathomError(e), `${label}: not a one-line error but ${e instanceof Error ? e.stack : String(e)}`).toBe(true);
        expect((e as Error).message, label).not.toMatch(/\n|Cannot read|is not a function|undefined/);
        outcomes.refused++;
      }
    }
    // Both kinds happen: damage that changes nothing read (an unused field) and damage that is refused.
    expect(outcomes.answered).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  }, 120_000);
});

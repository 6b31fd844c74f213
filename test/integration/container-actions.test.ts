import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { docker, dockerAvailable, ensureBaseImage } from '../helpers/docker.js';
import { connect } from '../../src/sources/engine/connection.js';
import { ContainerLog, actOnContainer } from '../../src/sources/engine/container-actions.js';
import { listContainers } from '../../src/sources/engine/containers.js';

const HAS_DOCKER = dockerAvailable();
const PREFIX = `fathom-act-${process.pid}`;
let base: string;

const state = (name: string) => docker('inspect', '--format', '{{.State.Status}}', name).trim();

describe.skipIf(!HAS_DOCKER)('acting on containers and reading their logs (real dockerd)', () => {
  beforeAll(() => {
    base = ensureBaseImage();
  });
  afterAll(() => {
    for (const c of docker('ps', '-aq', '--filter', `name=${PREFIX}`).split('\n').filter(Boolean)) docker('rm', '-f', c);
  });

  it('stop, start, restart and remove do what docker stop/start/restart/rm do; removing a running one forces it', async () => {
    const engine = connect('docker');
    const name = `${PREFIX}-life`;
    const id = docker('run', '-d', '--name', name, '-p', '127.0.0.1:18099:80', base, 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done').trim();
    const listed = (await listContainers(engine)).find((c) => c.id === id)!;
    expect(listed.ports).toBe('127.0.0.1:18099->80/tcp');
    await actOnContainer(engine, id, 'stop', true);
    expect(state(name)).toBe('exited');
    await actOnContainer(engine, id, 'stop', false); // already stopped: nothing to do, no error
    await actOnContainer(engine, id, 'start', false);
    expect(state(name)).toBe('running');
    const startedAt = docker('inspect', '--format', '{{.State.StartedAt}}', name).trim();
    await actOnContainer(engine, id, 'restart', true);
    expect(docker('inspect', '--format', '{{.State.StartedAt}}', name).trim()).not.toBe(startedAt);
    await actOnContainer(engine, id, 'remove', true);
    expect(docker('ps', '-aq', '--filter', `id=${id}`).trim()).toBe('');
    await expect(actOnContainer(engine, id, 'start', false)).rejects.toThrow(/^start [0-9a-f]{12}: No such container/);
  }, 60_000);

  it('the log: the last 1000 lines first, then followed, stdout and stderr told apart (docker logs -f --tail 1000)', async () => {
    const name = `${PREFIX}-log`;
    const id = docker('run', '-d', '--network', 'none', '--name', name, base, 'sh', '-c', 'i=0; while [ $i -lt 1500 ]; do i=$((i+1)); echo "out $i"; done; echo "to stderr" >&2; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo "later, ünïcode"; sleep 300').trim();
    // Read once the backlog is all written: its last 1000 lines are then known.
    await vi.waitFor(() => expect(execFileSync('sh', ['-c', `docker logs ${id} 2>&1 | wc -l`], { encoding: 'utf8' }).trim()).toBe('1501'), { timeout: 15_000, interval: 100 });
    const log = await new ContainerLog(connect('docker'), id).start();
    try {
      // The backlog read, the container writes one more line: it must arrive, followed.
      await vi.waitFor(() => expect(log.lines).toHaveLength(1000), { timeout: 15_000, interval: 50 });
      docker('exec', name, 'touch', '/tmp/go');
      await vi.waitFor(() => expect(log.lines.at(-1)?.text).toBe('later, ünïcode'), { timeout: 15_000, interval: 50 });
      expect(log.status).toBe('following');
      const texts = log.lines.map((l) => l.text);
      expect(texts).toHaveLength(1001); // 1000 of the backlog, then what came after
      // stdout and stderr reach the engine through separate pipes: their order against each other is the
      // engine's (stderr's one line may be stamped before much of stdout's backlog), so the backlog is
      // stdout's last lines, in order, up to "out 1500", with stderr's line or without it.
      const outs = log.lines.filter((l) => l.stream === 'stdout' && l.text.startsWith('out ')).map((l) => l.text);
      expect(outs).toEqual(Array.from({ length: outs.length }, (_, i) => `out ${1500 - outs.length + 1 + i}`));
      expect(outs.length).toBeGreaterThanOrEqual(999);
      expect(log.lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(outs.length === 999 ? ['to stderr'] : []);
    } finally {
      log.stop();
    }
  }, 60_000);
});

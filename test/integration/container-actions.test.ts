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
    const id = docker('run', '-d', '--network', 'none', '--name', name, base, 'sh', '-c', 'i=0; while [ $i -lt 1500 ]; do i=$((i+1)); echo "out $i"; done; echo "to stderr" >&2; sleep 3; echo "later, ünïcode"; sleep 300').trim();
    // Read once the backlog is all written: its last 1000 lines are then known.
    await vi.waitFor(() => expect(docker('logs', '--tail', '2', id)).toBe('out 1500\n'), { timeout: 10_000, interval: 50 });
    const log = await new ContainerLog(connect('docker'), id).start();
    try {
      await vi.waitFor(() => expect(log.lines.at(-1)?.text).toBe('later, ünïcode'), { timeout: 15_000, interval: 50 });
      expect(log.status).toBe('following');
      const texts = log.lines.map((l) => l.text);
      expect(texts).toHaveLength(1001); // 1000 of the backlog, then what came after
      // stdout and stderr reach the engine through separate pipes: their order against each other is the
      // engine's, so only each stream's own order is checked.
      expect(log.lines.filter((l) => l.stream === 'stdout' && l.text.startsWith('out ')).map((l) => l.text)).toEqual(Array.from({ length: 999 }, (_, i) => `out ${i + 502}`));
      expect(log.lines.find((l) => l.text === 'to stderr')?.stream).toBe('stderr');
      expect(log.lines[0].stream).toBe('stdout');
    } finally {
      log.stop();
    }
  }, 60_000);
});

import { FathomError } from '../../errors.js';
import { humanBytes, terminalLines } from '../../format.js';
import { connect, ping } from '../../sources/engine/connection.js';
import { containerReport, containerSizes, listContainers } from '../../sources/engine/containers.js';
import { ContainerWatcher } from '../../sources/engine/container-watch.js';
import { commandHelp } from '../help.js';
import { parse } from '../parse.js';

/** `fathom container [NAME] [--json] [--watch] [--interval S]`: docker diff with sizes, live if asked. */
export async function runContainer(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { json: { type: 'boolean' }, watch: { type: 'boolean' }, interval: { type: 'string' }, host: { type: 'string' }, podman: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    'container',
  );
  if (values.help) {
    process.stdout.write(commandHelp('container'));
    return 0;
  }
  const engine = connect(values.podman ? 'podman' : 'docker', values.host as string | undefined);
  await ping(engine);
  if (positionals.length === 0) {
    const list = await listContainers(engine);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(list, null, 1)}\n`);
      return 0;
    }
    process.stdout.write('CONTAINER ID   NAME                       IMAGE                      STATE      SIZE\n');
    for (const c of list) {
      const s = await containerSizes(engine, c.id);
      const size = s.sizeRw === null ? '?' : `${humanBytes(s.sizeRw)} (virtual ${humanBytes(s.sizeRootFs ?? 0)})`;
      process.stdout.write(terminalLines([`${c.id.slice(0, 12)}   ${c.name.padEnd(26)} ${c.image.slice(0, 26).padEnd(26)} ${c.state.padEnd(10)} ${size}`]));
    }
    return 0;
  }
  if (positionals.length > 1) throw new FathomError('container: name one container (see `fathom container --help`)');
  const name = positionals[0];
  if (values.watch) return watch(engine, name, values.interval as string | undefined, Boolean(values.json));
  const report = await containerReport(engine, name);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
    return 0;
  }
  const out = [
    `${report.name}  ${report.id.slice(0, 12)}  ${report.image}  ${report.state}`,
    `size ${report.sizeRwBytes === null ? '?' : humanBytes(report.sizeRwBytes)} (virtual ${report.sizeRootFsBytes === null ? '?' : humanBytes(report.sizeRootFsBytes)})  storage ${report.graphDriver.name}  sizes from ${report.sizesFrom}`,
    ...report.changes.map((c) => `${c.kind} ${c.path}${c.sizeBytes !== null && c.kind !== 'D' ? `  ${humanBytes(c.sizeBytes)}` : ''}`),
  ];
  process.stdout.write(terminalLines(out));
  return 0;
}

async function watch(engine: ReturnType<typeof connect>, name: string, interval: string | undefined, json: boolean): Promise<number> {
  const seconds = interval === undefined ? 1 : Number(interval);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new FathomError(`container: --interval must be a positive number of seconds (got "${interval}")`);
  const watcher = new ContainerWatcher(engine, name, { intervalMs: seconds * 1000 });
  let lastStatus = '';
  watcher.subscribe((u) => {
    const status = watcher.status();
    if (`${status.state}:${status.message}` !== lastStatus) {
      lastStatus = `${status.state}:${status.message}`;
      process.stdout.write(json ? `${JSON.stringify({ status })}\n` : terminalLines([`# ${watcher.label}: ${status.message}`]));
    }
    if (!u) return;
    const stamp = new Date(u.at).toISOString();
    for (const [what, list] of [['appeared', u.appeared], ['changed', u.changed], ['disappeared', u.disappeared]] as const) {
      for (const c of list) {
        process.stdout.write(json ? `${JSON.stringify({ event: what, at: stamp, ...c })}\n` : terminalLines([`${stamp} ${what.padEnd(11)} ${c.kind} ${c.path}${c.sizeBytes !== null ? `  ${humanBytes(c.sizeBytes)}` : ''}`]));
      }
    }
  });
  watcher.start();
  await new Promise<void>((resolve) => {
    const done = () => {
      watcher.stop();
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    const check = setInterval(() => {
      if (watcher.status().state === 'gone') {
        clearInterval(check);
        done();
      }
    }, 200);
  });
  return 0;
}

import { humanBytes, terminalLines } from '../../format.js';
import { connect, ping } from '../../sources/engine/connection.js';
import { listEngineImages } from '../../sources/engine/images.js';
import { commandHelp } from '../help.js';
import { parse } from '../parse.js';

/** `fathom images [--json]`: the engine's images with shared and unique sizes (docker system df -v). */
export async function runImages(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' }, host: { type: 'string' }, podman: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, 'images');
  if (values.help) {
    process.stdout.write(commandHelp('images'));
    return 0;
  }
  const engine = connect(values.podman ? 'podman' : 'docker', values.host as string | undefined);
  await ping(engine);
  const images = await listEngineImages(engine);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(images, null, 1)}\n`);
    return 0;
  }
  process.stdout.write('IMAGE ID       TAG                                  SIZE     SHARED   UNIQUE  CONTAINERS\n');
  for (const i of images) {
    const tag = i.repoTags[0] ?? '<none>';
    process.stdout.write(terminalLines([`${i.id.slice(7, 19)}   ${tag.padEnd(36)} ${humanBytes(i.sizeBytes).padStart(7)} ${humanBytes(i.sharedBytes).padStart(8)} ${humanBytes(i.uniqueBytes).padStart(8)} ${String(i.containers).padStart(11)}`]));
  }
  return 0;
}

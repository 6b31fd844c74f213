import { FathomError } from '../../errors.js';
import { humanBytes, terminalLines } from '../../format.js';
import { commandHelp } from '../help.js';
import { parse } from '../parse.js';
import { openStore } from '../open-source.js';

/** `fathom store ls | rm IMAGE | gc | path`. */
export async function runStore(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { store: { type: 'string' }, json: { type: 'boolean' }, now: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, 'store');
  const [sub, ...refs] = positionals;
  if (values.help || !sub) {
    process.stdout.write(commandHelp('store'));
    return sub || values.help ? 0 : 2;
  }
  const store = openStore(values.store as string | undefined);
  switch (sub) {
    case 'path':
      process.stdout.write(`${store.root}\n`);
      return 0;
    case 'ls': {
      const images = store.listImages();
      if (values.json) {
        process.stdout.write(`${JSON.stringify(images.map((r) => ({ id: r.id, repoTags: r.repoTags, layers: r.layers.length, sources: r.sources, storedAt: r.storedAt })), null, 1)}\n`);
        return 0;
      }
      if (images.length === 0) {
        process.stdout.write(`no images in ${store.root}\n`);
        return 0;
      }
      process.stdout.write('IMAGE ID       TAG                                  LAYERS  STORED\n');
      for (const r of images) {
        process.stdout.write(terminalLines([`${r.id.slice(7, 19)}   ${(r.repoTags[0] ?? '<none>').padEnd(36)} ${String(r.layers.length).padStart(6)}  ${r.storedAt.slice(0, 19).replace('T', ' ')}`]));
      }
      return 0;
    }
    case 'rm': {
      if (refs.length === 0) throw new FathomError('store rm: name one or more images (tag or ID prefix)');
      for (const ref of refs) {
        const found = store.findImages(ref);
        if (found.length === 0) throw new FathomError(`store rm: no stored image matches ${ref}`);
        if (found.length > 1) throw new FathomError(`store rm: ${ref} matches ${found.length} images; use a longer ID`);
        store.removeImage(found[0].id);
        process.stdout.write(`removed ${found[0].repoTags[0] ?? found[0].id} (run \`fathom store gc\` to free its unshared layers)\n`);
      }
      return 0;
    }
    case 'gc': {
      const now = Boolean(values.now);
      const { removedLayers, freedBytes, keptRecent } = store.gc(Date.now(), now ? 0 : undefined);
      process.stdout.write(`removed ${removedLayers.length} unused layers, freed ${humanBytes(freedBytes)}\n`);
      if (keptRecent.layers > 0) {
        process.stdout.write(
          `kept ${keptRecent.layers} unused layers (${humanBytes(keptRecent.bytes)}) stored less than 10 minutes ago: an open still under way may be about to record them; \`fathom store gc --now\` frees them when no other fathom is running\n`,
        );
      }
      return 0;
    }
    default:
      throw new FathomError(`store: unknown subcommand "${sub}" (ls, rm, gc, path)`);
  }
}

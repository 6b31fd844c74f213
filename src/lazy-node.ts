import { createRequire } from 'node:module';

/**
 * Node's own modules that most runs never use, each loaded at its first use. Imported at the top, every
 * run would load them before anything else: tls ~4.5 ms, net ~2 ms, zlib and worker_threads ~1.2 ms
 * each here, where a reopen of a stored image is ~25 ms of fathom's own work.
 */
const load = createRequire(import.meta.url);

export const nodeNet = (): typeof import('node:net') => load('node:net');
export const nodeTls = (): typeof import('node:tls') => load('node:tls');
export const nodeZlib = (): typeof import('node:zlib') => load('node:zlib');
export const nodeWorkerThreads = (): typeof import('node:worker_threads') => load('node:worker_threads');

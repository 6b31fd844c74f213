'use strict';
// Runs the CommonJS bundle with V8's code cache: the bytecode V8 compiled for the bundle on an earlier
// run, so this run skips most parsing and compiling (Node 22's module.enableCompileCache does the same;
// Node 20 has only vm.Script's cachedData). The cache is kept per Node version, bundle path and bundle content in
// $XDG_CACHE_HOME/fathom/code-cache (FATHOM_CODE_CACHE=0 turns it off). V8 checks that a cache fits its
// version and flags but not that it fits the source, and not its bytes, so a cache file is named by the
// bundle's digest and carries a digest of itself; a file that fails either is ignored and replaced.
// Made after the UI's first frame (then it holds the UI's functions too), or at exit; a library's bundle
// just after it loaded.

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');
const { isAscii } = require('node:buffer');

const MAGIC = Buffer.from('fathomcc');
const DIGEST_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 1 + DIGEST_BYTES;
/** Header flag: made after the UI drew, so the UI's functions are in it. */
const COVERS_UI = 1;

function cacheDir() {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'fathom', 'code-cache');
}

/** The cached code in `file`, or null when it is missing or not whole. */
function readCache(file) {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return null;
  }
  if (bytes.length <= HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const data = bytes.subarray(HEADER_BYTES);
  const digest = bytes.subarray(MAGIC.length + 1, HEADER_BYTES);
  if (!crypto.createHash('sha256').update(data).digest().equals(digest)) return null;
  return { data, coversUi: (bytes[MAGIC.length] & COVERS_UI) !== 0 };
}

/** Written whole or not at all (a temp file renamed into place); a cache that can't be written is no error. */
function writeCache(file, data, coversUi) {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header);
    header[MAGIC.length] = coversUi ? COVERS_UI : 0;
    crypto.createHash('sha256').update(data).digest().copy(header, MAGIC.length + 1);
    fs.writeFileSync(temp, Buffer.concat([header, data]));
    fs.renameSync(temp, file);
    // Caches of earlier builds of this bundle, for this Node, are of no more use.
    const prefix = path.basename(file).replace(/[^-]+\.bin$/, '');
    for (const name of fs.readdirSync(path.dirname(file))) {
      if (name.startsWith(prefix) && name.endsWith('.bin') && name !== path.basename(file)) fs.rmSync(path.join(path.dirname(file), name), { force: true });
    }
  } catch {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // Nowhere to write: nothing was written either.
    }
  }
}

/**
 * Compiles and runs the CommonJS bundle at `bundle` as Node would (same module wrapper, a require that
 * resolves from the bundle's folder) and returns its exports; null when there is no bundle.
 */
function runBundle(bundle) {
  let bytes;
  try {
    bytes = fs.readFileSync(bundle);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
  // esbuild escapes every non-ASCII character it emits, so the bundle is ASCII (unless a comment isn't),
  // and an ASCII file reads as latin1 in a plain copy (UTF-8 decoding: ~3 ms more).
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const useCache = process.env.FATHOM_CODE_CACHE !== '0';
  // Named by where the bundle is (installs side by side keep a cache each) and by what it holds.
  const place = crypto.createHash('sha256').update(bundle).digest('hex').slice(0, 8);
  const content = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const file = path.join(cacheDir(), `${process.version}-${process.arch}-${place}-${content}.bin`);
  const cached = useCache ? readCache(file) : null;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData: cached?.data,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  if (!useCache) return module.exports;

  const fresh = cached === null || script.cachedDataRejected === true;
  let saved = false;
  const save = (coversUi) => {
    if (saved) return;
    saved = true;
    writeCache(file, script.createCachedData(), coversUi);
  };
  if (typeof module.exports.whenFirstFrameDrawn !== 'function') {
    // A library's bundle (dockerode's): what it compiles is what it ran on loading, so it is cached then,
    // not at exit (a UI that ends by a signal never exits normally).
    if (fresh) setImmediate(() => save(false));
    return module.exports;
  }
  // Just after the first frame is on screen (a terminal's writes are synchronous): writing takes ~15 ms,
  // and the frame is not held for it.
  if (fresh || !cached.coversUi) module.exports.whenFirstFrameDrawn(() => setImmediate(() => save(true)));
  if (fresh) process.once('exit', () => save(false));
  return module.exports;
}

module.exports = { runBundle };

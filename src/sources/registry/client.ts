import type { Readable } from 'node:stream';
import { FathomError } from '../../errors.js';
import { humanBytes, terminalSafe } from '../../format.js';
import { sha256Digest } from '../verify.js';
import type { Credentials } from './credentials.js';
import type { RegistryHost } from './reference.js';
import { RegistryTransport, TransportFailure, type Answer, type TransportOptions } from './transport.js';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const SCHEMA1_TYPES = new Set(['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws']);

/** The distribution spec lets a registry refuse manifests over 4 MiB; nothing bigger is read. */
const MANIFEST_LIMIT = 4 << 20;
const JSON_LIMIT = 16 << 20;
const ERROR_BODY_LIMIT = 64 << 10;

/** A `WWW-Authenticate` challenge: its scheme and parameters (realm, service, scope). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenge(header: string): Challenge | null {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1].toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme: m[1].toLowerCase(), params };
}

/** Seconds to wait from a Retry-After header: a number of seconds or an HTTP date. */
export function retryAfterSeconds(header: string | undefined, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

async function readBody(answer: Answer, limit: number, what: string): Promise<Buffer> {
  const declared = Number(answer.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    answer.body.destroy();
    throw new FathomError(`${what}: ${humanBytes(declared)} is more than the ${humanBytes(limit)} fathom reads for it`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of answer.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      answer.body.destroy();
      throw new FathomError(`${what}: more than the ${humanBytes(limit)} fathom reads for it`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The registry's own words for an error (`{"errors":[{"code","message"}]}`), quoted safe, or nothing. */
async function registrySays(answer: Answer): Promise<string> {
  let body: Buffer;
  try {
    body = await readBody(answer, ERROR_BODY_LIMIT, 'error');
  } catch {
    return '';
  }
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = parsed.errors?.[0];
    if (first && (typeof first.code === 'string' || typeof first.message === 'string')) {
      return `: ${[first.code, first.message].filter((x) => typeof x === 'string').map((x) => terminalSafe(String(x))).join(' ')}`;
    }
  } catch {
    /* not JSON: say nothing of it */
  }
  return '';
}

export interface ManifestAnswer {
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

export interface ClientOptions extends TransportOptions {
  credentials: Credentials | null;
}

/**
 * The OCI distribution API of one registry: manifests, blobs, the catalog and tags, with the auth the
 * registry asks for (anonymous, Basic, or Bearer tokens from its token service), one token per scope.
 */
export class RegistryClient {
  readonly transport: RegistryTransport;
  private readonly credentials: Credentials | null;
  private readonly tokens = new Map<string, string>();
  /** Basic auth, once the registry has asked for it: sent with every request after. */
  private basic: string | null = null;

  /** What every error starts with: the source as the user wrote it ("registry://host/repo:tag"). */
  readonly label: string;

  constructor(
    readonly host: RegistryHost,
    options: ClientOptions,
  ) {
    this.label = options.label ?? `registry://${host.name}`;
    this.transport = new RegistryTransport(host, { ...options, label: this.label });
    this.credentials = options.credentials;
  }

  close(): void {
    this.transport.close();
  }

  private basicHeader(): string | null {
    return this.credentials ? `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}` : null;
  }

  private refused(what: string): FathomError {
    const c = this.credentials;
    return new FathomError(
      c
        ? `${this.label}: ${what}: the registry refused the credentials of user ${JSON.stringify(terminalSafe(c.username))} (from ${c.origin}) (401 Unauthorized)`
        : `${this.label}: ${what}: the registry needs credentials (401 Unauthorized): \`docker login ${this.host.name}\`, or --username with --password-stdin`,
    );
  }

  /** A Bearer token for a scope from the registry's token service, with the user's credentials if any. */
  private async token(challenge: Challenge, scope: string, what: string): Promise<string> {
    const cached = this.tokens.get(scope);
    if (cached) return cached;
    const realm = challenge.params.realm;
    if (!realm) throw new FathomError(`${this.label}: ${what}: a Bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new FathomError(`${this.label}: ${what}: token realm ${JSON.stringify(terminalSafe(realm))} is not a URL`);
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? scope);
    const auth = this.basicHeader();
    const answer = await this.transport.fetchUrl(url, auth ? { authorization: auth } : {});
    if (answer.status === 401 || answer.status === 403) {
      answer.body.resume();
      throw this.refused(what);
    }
    if (answer.status !== 200) throw new FathomError(`${this.label}: ${what}: the token service at ${terminalSafe(url.origin)} answered ${answer.status}${await registrySays(answer)}`);
    const body = await readBody(answer, ERROR_BODY_LIMIT, `${this.label}: token`);
    let token: unknown;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = parsed.token ?? parsed.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) throw new FathomError(`${this.label}: ${what}: the token service's answer holds no token`);
    this.tokens.set(scope, token);
    return token;
  }

  private authFor(scope: string): string | undefined {
    const bearer = this.tokens.get(scope);
    return bearer ? `Bearer ${bearer}` : (this.basic ?? undefined);
  }

  /** A GET with auth: answered as is, or asked again once with what a 401's challenge wants. */
  async get(apiPath: string, scope: string, what: string, accept?: string): Promise<Answer> {
    const headers: Record<string, string> = accept ? { accept } : {};
    let answer = await this.transport.send(apiPath, { headers, auth: this.authFor(scope) });
    if (answer.status === 401) {
      answer.body.resume();
      const challenge = parseChallenge(String(answer.headers['www-authenticate'] ?? ''));
      if (challenge?.scheme === 'bearer') {
        this.tokens.delete(scope);
        answer = await this.transport.send(apiPath, { headers, auth: `Bearer ${await this.token(challenge, scope, what)}` });
      } else if (challenge?.scheme === 'basic' && this.basic === null && this.credentials) {
        this.basic = this.basicHeader();
        answer = await this.transport.send(apiPath, { headers, auth: this.basic! });
      } else {
        throw this.refused(what);
      }
      if (answer.status === 401) {
        answer.body.resume();
        throw this.refused(what);
      }
    }
    return answer;
  }

  /** Turns a failed answer into one line; 404 is the caller's to word (it knows what was missing). */
  async failure(answer: Answer, what: string): Promise<FathomError> {
    const says = await registrySays(answer);
    switch (answer.status) {
      case 403:
        return new FathomError(`${this.label}: ${what}: access denied (403 Forbidden)${says}`);
      case 404:
        return new FathomError(`${this.label}: ${what}: not found (404)${says}`);
      case 429: {
        const wait = retryAfterSeconds(answer.headers['retry-after'] as string | undefined);
        return new FathomError(`${this.label}: ${what}: too many requests (429)${wait !== null ? `; the registry says to retry after ${wait} s` : ''}${says}`);
      }
      default:
        return new FathomError(`${this.label}: ${what}: the registry answered ${answer.status}${says}`);
    }
  }

  /** A manifest or index by tag or digest, its bytes checked against the digest that names it. */
  async manifest(repository: string, reference: string, what: string): Promise<ManifestAnswer | null> {
    const answer = await this.get(`/v2/${repository}/manifests/${reference}`, `repository:${repository}:pull`, what, MANIFEST_TYPES.join(', '));
    if (answer.status === 404) {
      answer.body.resume();
      return null;
    }
    if (answer.status !== 200) throw await this.failure(answer, what);
    const bytes = await readBody(answer, MANIFEST_LIMIT, `${this.label}: ${what}`);
    const digest = sha256Digest(bytes);
    const expected = reference.startsWith('sha256:') ? reference : (answer.headers['docker-content-digest'] as string | undefined);
    if (expected && expected !== digest) throw new FathomError(`${this.label}: ${what}: digest mismatch: the registry names it ${terminalSafe(expected)} but its bytes are ${digest} (corrupt or altered)`);
    let mediaType = String(answer.headers['content-type'] ?? '').split(';')[0].trim();
    try {
      const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; schemaVersion?: unknown };
      if (parsed.schemaVersion === 1) mediaType = 'application/vnd.docker.distribution.manifest.v1+json';
      else if (typeof parsed.mediaType === 'string') mediaType = parsed.mediaType;
    } catch (e) {
      throw new FathomError(`${this.label}: ${what} is not valid JSON (${(e as Error).message})`);
    }
    if (SCHEMA1_TYPES.has(mediaType)) throw new FathomError(`${this.label}: ${what} is a schema 1 manifest (deprecated, no diff IDs); push it again with a current docker or skopeo`);
    if (!MANIFEST_TYPES.includes(mediaType)) throw new FathomError(`${this.label}: ${what} has media type ${JSON.stringify(terminalSafe(mediaType))}, not an image manifest or index`);
    return { bytes, digest, mediaType };
  }

  /** A small blob read whole (a config), checked against its digest. */
  async blobBytes(repository: string, digest: string, what: string): Promise<Buffer> {
    const answer = await this.get(`/v2/${repository}/blobs/${digest}`, `repository:${repository}:pull`, what);
    if (answer.status !== 200) throw await this.failure(answer, what);
    const bytes = await readBody(answer, JSON_LIMIT, `${this.label}: ${what}`);
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw new FathomError(`${this.label}: ${what}: digest mismatch: expected ${digest}, got ${actual} (corrupt or altered)`);
    return bytes;
  }

  /**
   * A layer blob as a stream of chunks, never more than the manifest declared; a registry that stops
   * early or vanishes mid-blob is one line saying how far it got. The store checks the digest.
   */
  async *blobStream(repository: string, digest: string, size: number | null, what: string): AsyncGenerator<Buffer> {
    let answer: Answer;
    try {
      answer = await this.get(`/v2/${repository}/blobs/${digest}`, `repository:${repository}:pull`, what);
    } catch (e) {
      // Several blobs come at once: the line names the one whose request the registry dropped.
      if (e instanceof TransportFailure) throw new FathomError(`${this.label}: ${what}: connection lost before the blob began (${e.reason})`);
      throw e;
    }
    if (answer.status !== 200) throw await this.failure(answer, what);
    let received = 0;
    const of = size !== null ? ` of ${humanBytes(size)}` : '';
    try {
      for await (const batch of batches(answer.body)) {
        received += batch.length;
        if (size !== null && received > size) throw new FathomError(`${this.label}: ${what}: the registry sent more than the ${size} bytes the manifest declares`);
        yield batch;
      }
    } catch (e) {
      answer.body.destroy();
      if (e instanceof FathomError) throw e;
      const err = e as NodeJS.ErrnoException;
      throw new FathomError(`${this.label}: ${what}: connection lost after ${humanBytes(received)}${of} (${err.code === 'ETIMEDOUT' ? err.message : (err.code ?? err.message)})`);
    }
    if (size !== null && received < size) throw new FathomError(`${this.label}: ${what}: connection lost after ${humanBytes(received)}${of} (the registry ended the blob early)`);
  }

  /** Every repository (`/v2/_catalog`, followed page by page through its Link headers). */
  async catalog(): Promise<string[]> {
    return this.paged('/v2/_catalog?n=1000', 'registry:catalog:*', 'the catalog', 'repositories');
  }

  async tags(repository: string): Promise<string[] | null> {
    try {
      return await this.paged(`/v2/${repository}/tags/list?n=1000`, `repository:${repository}:pull`, `tags of ${repository}`, 'tags');
    } catch (e) {
      if (e instanceof NotFound) return null;
      throw e;
    }
  }

  private async paged(first: string, scope: string, what: string, field: 'repositories' | 'tags'): Promise<string[]> {
    const out: string[] = [];
    let next: string | null = first;
    for (let page = 0; next !== null; page++) {
      if (page > 10_000) throw new FathomError(`${this.label}: ${what}: more than 10,000 pages`);
      const answer = await this.get(next, scope, what);
      if (answer.status === 404) {
        answer.body.resume();
        throw new NotFound(what);
      }
      if (answer.status !== 200) throw await this.failure(answer, what);
      const body = await readBody(answer, JSON_LIMIT, `${this.label}: ${what}`);
      let list: unknown;
      try {
        list = (JSON.parse(body.toString('utf8')) as Record<string, unknown>)[field];
      } catch {
        throw new FathomError(`${this.label}: ${what}: the answer is not JSON`);
      }
      if (list !== null && list !== undefined && (!Array.isArray(list) || !list.every((x) => typeof x === 'string'))) throw new FathomError(`${this.label}: ${what}: "${field}" is not a list of names`);
      out.push(...((list as string[] | null) ?? []));
      next = nextPage(answer.headers.link as string | undefined);
    }
    return out;
  }
}

class NotFound extends Error {}

/** Joins chunks into a buffer of its own (not a slice of Node's pool), so it can be handed to a worker whole. */
function concatOwned(parts: readonly Buffer[], size: number): Buffer {
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const p of parts) {
    p.copy(out, at);
    at += p.length;
  }
  return out;
}

/** A batch is handed on once this much has arrived; reading pauses while twice as much waits. */
const BATCH_BYTES = 1 << 20;

/**
 * A response body in batches of about 1 MiB: a socket delivers 16-64 KiB at a time, and each step of an
 * async iteration costs more than copying that much, so a download is iterated once per MiB instead.
 */
export function batches(body: Readable): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]() {
      let parts: Buffer[] = [];
      let buffered = 0;
      let ended = false;
      let failure: Error | null = null;
      let wake: (() => void) | null = null;
      const poke = () => {
        wake?.();
        wake = null;
      };
      body.on('data', (chunk: Buffer) => {
        parts.push(chunk);
        buffered += chunk.length;
        if (buffered >= 2 * BATCH_BYTES) body.pause();
        if (buffered >= BATCH_BYTES) poke();
      });
      body.on('end', () => {
        ended = true;
        poke();
      });
      body.on('error', (e) => {
        failure = e;
        poke();
      });
      body.on('aborted', () => {
        failure ??= Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
        poke();
      });
      return {
        async next(): Promise<IteratorResult<Buffer>> {
          while (!failure && !ended && buffered < BATCH_BYTES) await new Promise<void>((r) => (wake = r));
          if (failure) throw failure;
          if (buffered === 0) return { done: true, value: undefined };
          const batch = parts.length === 1 ? parts[0] : concatOwned(parts, buffered);
          parts = [];
          buffered = 0;
          body.resume();
          return { done: false, value: batch };
        },
        async return(): Promise<IteratorResult<Buffer>> {
          body.destroy();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** The next page from a `Link: </v2/_catalog?last=x&n=100>; rel="next"` header: a path on the same registry only. */
export function nextPage(link: string | undefined): string | null {
  const m = link ? /<([^>]*)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!m) return null;
  const target = m[1];
  if (!target.startsWith('/v2/')) return null;
  return target;
}

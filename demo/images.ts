/**
 * The demo's images, as data: each is a list of Dockerfile-like history rows, each row a layer of
 * entries or a metadata-only instruction. Built by demo/build.ts into the store, byte for byte the same
 * every run (fixed mtimes, owners and pseudo-random content from fixed seeds).
 */

export type DemoEntry =
  | { file: string; text?: string; size?: number; seed?: number; mode?: number }
  | { dir: string; mode?: number }
  | { symlink: string; target: string }
  | { whiteout: string }
  | { opaque: string };

export type DemoRow = { createdBy: string; entries: DemoEntry[] } | { createdBy: string; empty: true };

export interface DemoImage {
  name: string;
  /** Another demo image whose rows come first (FROM). */
  from?: string;
  rows: DemoRow[];
  config?: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; ExposedPorts?: Record<string, object> };
}

const nop = (instruction: string): DemoRow => ({ createdBy: `/bin/sh -c #(nop)  ${instruction}`, empty: true });
const run = (command: string, entries: DemoEntry[]): DemoRow => ({ createdBy: `/bin/sh -c ${command}`, entries });
const MB = 1_000_000;

/** A small Debian-ish root filesystem: the base layer every story starts from. */
const BASE_ROWS: DemoRow[] = [
  {
    createdBy: '/bin/sh -c #(nop) ADD file:rootfs.tar in /',
    entries: [
      { dir: 'bin' },
      { file: 'bin/busybox', size: 900_000, seed: 1, mode: 0o755 },
      ...['sh', 'ls', 'cat', 'echo', 'rm', 'mkdir', 'touch'].map((a) => ({ symlink: `bin/${a}`, target: 'busybox' })),
      { dir: 'etc' },
      { file: 'etc/os-release', text: 'PRETTY_NAME="Demo Linux 1.0"\nID=demo\n' },
      { file: 'etc/motd', text: 'Welcome to the demo base image.\n' },
      { file: 'etc/passwd', text: 'root:x:0:0:root:/root:/bin/sh\n' },
      { dir: 'etc/app' },
      { file: 'etc/app/settings.conf', text: 'color=blue\nretries=3\n' },
      { dir: 'usr' },
      { dir: 'usr/lib' },
      { file: 'usr/lib/libc.so.6', size: 600_000, seed: 2, mode: 0o755 },
      { dir: 'var' },
      { dir: 'var/lib' },
      { dir: 'var/lib/dpkg' },
      { file: 'var/lib/dpkg/status', text: 'Package: base-files\nStatus: install ok installed\n\n' },
      { dir: 'tmp', mode: 0o1777 },
    ],
  },
];

const DPKG_WITH_GIT = 'Package: base-files\nStatus: install ok installed\n\nPackage: git\nStatus: install ok installed\n\n';
const APT_LISTS: DemoEntry[] = [
  { dir: 'var/lib/apt' },
  { dir: 'var/lib/apt/lists' },
  { file: 'var/lib/apt/lists/deb.debian.org_dists_bookworm_main_Packages', size: 4 * MB, seed: 10 },
  { dir: 'var/cache' },
  { dir: 'var/cache/apt' },
  { file: 'var/cache/apt/pkgcache.bin', size: 1 * MB, seed: 11 },
];
const GIT_FILES: DemoEntry[] = [
  { dir: 'usr/bin' },
  { file: 'usr/bin/git', size: 3 * MB, seed: 20, mode: 0o755 },
  { dir: 'usr/share' },
  { dir: 'usr/share/git-core' },
  { file: 'usr/share/git-core/templates.txt', text: 'hooks, info, description\n' },
];
const AFTER_INSTALL: DemoEntry[] = [
  // apt rewrites its cache and dpkg's status when it installs: new content over the old.
  { dir: 'var/cache/apt' },
  { file: 'var/cache/apt/pkgcache.bin', size: 1 * MB, seed: 12 },
  { file: 'var/lib/dpkg/status', text: DPKG_WITH_GIT },
];

/** Application files for the build-cache story: package.json changes rarely, the source often. */
const pkg = { file: 'app/package.json', text: '{ "name": "demo-app", "dependencies": { "left-pad": "1.3.0" } }\n' };
const deps: DemoEntry[] = [{ dir: 'app/node_modules' }, { dir: 'app/node_modules/left-pad' }, { file: 'app/node_modules/left-pad/index.js', size: 2 * MB, seed: 30 }];
const source = (version: string): DemoEntry[] => [{ file: 'app/server.js', text: `console.log('demo app ${version}');\n` }, { file: 'app/README.md', text: 'The demo app.\n' }];

export const DEMO_IMAGES: DemoImage[] = [
  { name: 'demo/base:1', rows: BASE_ROWS, config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin:/usr/bin'] } },

  // FileX: update and install in two RUNs. FileY: one RUN. Same files, different layers, different waste.
  {
    name: 'demo/filex:1',
    from: 'demo/base:1',
    rows: [run('apt update', APT_LISTS), run('apt install -y git', [...GIT_FILES, ...AFTER_INSTALL])],
    config: { Cmd: ['/bin/sh'] },
  },
  {
    name: 'demo/filey:1',
    from: 'demo/base:1',
    rows: [
      run('apt update && apt install -y git', [
        ...APT_LISTS.filter((e) => !('file' in e && e.file === 'var/cache/apt/pkgcache.bin')),
        ...GIT_FILES,
        ...AFTER_INSTALL,
      ]),
    ],
    config: { Cmd: ['/bin/sh'] },
  },

  // A big file added in one layer and deleted in the next: still shipped.
  {
    name: 'demo/bigfile:1',
    from: 'demo/base:1',
    rows: [run('curl -o /tmp/dataset.bin https://example.invalid/dataset.bin', [{ dir: 'tmp', mode: 0o1777 }, { file: 'tmp/dataset.bin', size: 20 * MB, seed: 40 }]), run('rm /tmp/dataset.bin', [{ dir: 'tmp', mode: 0o1777 }, { whiteout: 'tmp/dataset.bin' }])],
    config: { Cmd: ['/bin/sh'] },
  },

  // rm -rf + recreate makes an opaque directory; a plain delete makes a whiteout.
  {
    name: 'demo/whiteouts:1',
    from: 'demo/base:1',
    rows: [
      run('mkdir -p /srv/cache /srv/data && echo one > /srv/cache/a && echo two > /srv/cache/b && echo keep > /srv/data/keep', [
        { dir: 'srv' },
        { dir: 'srv/cache' },
        { file: 'srv/cache/a', text: 'one\n' },
        { file: 'srv/cache/b', text: 'two\n' },
        { dir: 'srv/data' },
        { file: 'srv/data/keep', text: 'keep\n' },
        { file: 'srv/old-notes.txt', text: 'delete me\n' },
      ]),
      run('rm /srv/old-notes.txt && rm -rf /srv/cache && mkdir /srv/cache && echo fresh > /srv/cache/c', [
        { dir: 'srv' },
        { whiteout: 'srv/old-notes.txt' },
        { dir: 'srv/cache' },
        { opaque: 'srv/cache' },
        { file: 'srv/cache/c', text: 'fresh\n' },
      ]),
    ],
    config: { Cmd: ['/bin/sh'] },
  },

  // Build cache: dependencies before the source (good) or after it (bad), two versions of each.
  ...(['v1', 'v2'] as const).flatMap((v): DemoImage[] => [
    {
      name: `demo/cache-good:${v}`,
      from: 'demo/base:1',
      rows: [
        nop('WORKDIR /app'),
        { createdBy: '/bin/sh -c #(nop) COPY file:package.json in /app/', entries: [{ dir: 'app' }, pkg] },
        run('npm install', deps),
        { createdBy: '/bin/sh -c #(nop) COPY dir:. in /app/', entries: [{ dir: 'app' }, ...source(v)] },
        nop('CMD ["node","server.js"]'),
      ],
      config: { WorkingDir: '/app', Cmd: ['node', 'server.js'] },
    },
    {
      name: `demo/cache-bad:${v}`,
      from: 'demo/base:1',
      rows: [
        nop('WORKDIR /app'),
        { createdBy: '/bin/sh -c #(nop) COPY dir:. in /app/', entries: [{ dir: 'app' }, pkg, ...source(v)] },
        run('npm install', deps),
        nop('CMD ["node","server.js"]'),
      ],
      config: { WorkingDir: '/app', Cmd: ['node', 'server.js'] },
    },
  ]),

  // Metadata-only instructions make history rows with no layer.
  {
    name: 'demo/metadata:1',
    from: 'demo/base:1',
    rows: [
      nop('ENV GREETING=hello'),
      nop('EXPOSE 8080/tcp'),
      nop('WORKDIR /srv'),
      run('mkdir -p /srv && echo "echo $GREETING" > /srv/greet.sh', [{ dir: 'srv' }, { file: 'srv/greet.sh', text: 'echo $GREETING\n', mode: 0o755 }]),
      nop('ENTRYPOINT ["/bin/sh","/srv/greet.sh"]'),
      nop('CMD ["--loud"]'),
    ],
    config: { Env: ['PATH=/bin:/usr/bin', 'GREETING=hello'], ExposedPorts: { '8080/tcp': {} }, WorkingDir: '/srv', Entrypoint: ['/bin/sh', '/srv/greet.sh'], Cmd: ['--loud'] },
  },
];

export function demoImage(name: string): DemoImage {
  const found = DEMO_IMAGES.find((i) => i.name === name);
  if (!found) throw new Error(`no demo image ${name}`);
  return found;
}

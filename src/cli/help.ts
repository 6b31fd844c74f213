export const HELP = `fathom — explore container images and containers

Usage:
  fathom                          browse the daemon's images (or the store's when no daemon answers)
  fathom SOURCE                   open one image in the layer view
  fathom SOURCE_A SOURCE_B        compare two images
  fathom SOURCE SOURCE SOURCE…    the image list, with these archives in it
  fathom containers               containers, each with its live diff, sizes and storage
  fathom inspect SOURCE --json    the image as JSON: history, layers, analysis, files
  fathom ci SOURCE                dive's CI gate (also: fathom SOURCE --ci)
  fathom diff SOURCE_A SOURCE_B   compare two images file by file
  fathom images [--json]          the engine's images: size, shared, unique (docker system df -v)
  fathom audit SOURCE... [--json] every image of a registry, an engine or the store: waste, shared layers
  fathom container [NAME] [--json|--watch]  containers; one container's changes with sizes, live
  fathom store ls|rm|gc|path      the local layer store
  fathom demo                     a narrated tour of image layering (no daemon needed)

Sources:
  docker-archive://PATH[:TAG]     a \`docker save\` tar (legacy or Docker 25+ layout); also docker-tar://
  oci://DIR[:TAG]                 an OCI image layout directory
  oci-archive://PATH[:TAG]        a tar of an OCI image layout
  docker://IMAGE, podman://IMAGE  an image in a Docker-compatible engine
  registry://HOST[:PORT]/REPO[:TAG|@DIGEST]  an image in a registry, read without pulling
  registry://HOST[:PORT]          (the UI) the registry's repositories and tags, to open one
  store://IMAGE                   an image already in the local store
  PATH or IMAGE                   recognised by what it is

Common options:
  --store DIR        layer store (default: $XDG_CACHE_HOME/fathom, or $FATHOM_STORE)
  --tag TAG          which image of an archive holding several
  --platform OS/ARCH which image of a multi-platform index (default: this machine's)
  --host URL         the engine to talk to (default: DOCKER_HOST, the docker context, the default socket)
  --podman           use podman's Docker-compatible socket (the UI, images, container)
  --insecure         registries: plain http, or https without checking the certificate
  --username U --password-stdin   registries: credentials (else the docker CLI's: config.json, helpers)
  --copy-blobs       keep a copy of layer blobs from local archives (default: a verified reference)
  --theme NAME       default, high-contrast or no-color (NO_COLOR is honoured)
  -h, --help         help for any command: fathom COMMAND --help
`;

const COMMANDS: Record<string, string> = {
  inspect: `Usage: fathom inspect SOURCE [--json] [--layer N] [--files union|changes|none]

Reads the image into the store and prints it. With --json, the stable schema:
  image, history (every row, empty ones too), layers (sizes = docker history),
  analysis (dive's efficiency, wasted bytes, user wasted percent; fathom's reclaimable bytes),
  files: the union at --layer N (default: the top), or with --files changes that layer's change set.
`,
  ci: `Usage: fathom ci SOURCE [rules] [--ci-config FILE] [--json]
       fathom SOURCE --ci [rules]

dive's CI gate: exits 1 when a rule fails, 0 when all pass, 2 on bad input.
  --lowestEfficiency R          fail below this efficiency (0..1; default 0.9)
  --highestWastedBytes SIZE     fail above this many wasted bytes (e.g. 20MB; default disabled)
  --highestUserWastedPercent R  fail above this wasted/user-bytes ratio (0..1; default 0.1)
  --ci-config FILE              rules file (default: .dive-ci, when present); "disabled" turns a rule off
`,
  diff: `Usage: fathom diff SOURCE_A SOURCE_B [--json]

The layers both images share (the build-cache prefix), then their top unions compared file by file.
`,
  store: `Usage: fathom store ls | rm IMAGE... | gc [--now] | path  [--store DIR] [--json]

  ls     images in the store
  rm     forget images (by tag or ID prefix); their layers stay until gc
  gc     delete layers no stored image uses, and leftovers of interrupted reads (layers
         stored in the last 10 minutes are kept, and counted, unless --now)
  path   print the store directory
`,
  container: `Usage: fathom container [NAME] [--json] [--watch] [--interval SECONDS] [--host URL] [--podman]

Without NAME: every container with its sizes (docker ps -a -s).
With NAME: its writable layer as docker diff shows it, with sizes, and docker ps -s's sizes.
  --watch        print changes as they happen (appeared, changed, disappeared), until ctrl+c
  --interval S   how often to poll the engine when watching (default 1 s)
`,
  images: `Usage: fathom images [--json] [--host URL] [--podman]

The engine's images with tags, ID, created, size, shared and unique size (as docker system df -v),
how many containers use each, and whether it is dangling.
`,
  audit: `Usage: fathom audit SOURCE... [--json] [--store DIR] [--platform OS/ARCH] [--insecure]

Every image of the sources, then the set: each image's size, efficiency and wasted bytes; the layers
images share and what sharing saves; the largest layers only one image uses; identical files stored in
layers of different images (what a shared base layer would save). Each distinct layer is read once.
  registry://HOST[:PORT]   every tag in the registry (its catalog)
  docker://  podman://     every image of the engine
  store://                 every image in fathom's store
  any other SOURCE         that image
Exit 2 when an image could not be read (the report still covers the rest).
`,
  demo: `Usage: fathom demo [--step N] [--autoplay [--pace SECONDS]] [--lang en|ko] [--docker]

A narrated tour of image layering on the real panes. Needs no Docker daemon.
`,
};

export function commandHelp(command: string): string {
  return COMMANDS[command] ?? HELP;
}

import type { ImageViewState } from '../src/view/image-view-state.js';

export type Lang = 'en' | 'ko';

/** What the screen shows at a step: the real panes, set up for the story. */
export type Scene =
  | { kind: 'image'; image: string; view: Partial<ImageViewState> }
  | { kind: 'container'; container: 'cow' | 'committed' }
  | { kind: 'compare'; a: string; b: string };

/** Steps of the copy-on-write story act on one simulated container, in order. */
export type ContainerAction = { op: 'append'; path: string; text: string } | { op: 'touch'; paths: string[] } | { op: 'remove'; path: string };

export interface TourStep {
  id: string;
  title: Record<Lang, string>;
  caption: Record<Lang, string>;
  /** What to look at on screen. */
  look: Record<Lang, string>;
  scene: Scene;
  /** Applied to the simulated container when this step is reached (and replayed when jumping). */
  actions?: ContainerAction[];
}

const row = (n: number): Partial<ImageViewState> => ({ historyCursor: n });

export const TOUR: TourStep[] = [
  {
    id: 'layers',
    title: { en: 'An image is a stack of read-only layers', ko: '이미지는 읽기 전용 레이어의 스택입니다' },
    caption: {
      en: 'Each Dockerfile instruction that changes files makes one layer: a tar of the files it added, changed or removed. The image is those layers, stacked.',
      ko: '파일을 바꾸는 Dockerfile 명령마다 레이어가 하나 생깁니다. 레이어는 추가·변경·삭제된 파일의 tar이고, 이미지는 그 레이어들을 쌓은 것입니다.',
    },
    look: { en: 'Left: one row per instruction. Right: the files of the selected layer.', ko: '왼쪽: 명령마다 한 줄. 오른쪽: 선택한 레이어의 파일.' },
    scene: { kind: 'image', image: 'demo/filex:1', view: row(0) },
  },
  {
    id: 'container',
    title: { en: 'A container adds one thin writable layer', ko: '컨테이너는 얇은 쓰기 가능한 레이어 하나를 더합니다' },
    caption: {
      en: 'docker run puts an empty writable layer on top of the image. The image itself never changes; nothing has been written yet, so the diff is empty.',
      ko: 'docker run은 이미지 위에 빈 쓰기 레이어를 올립니다. 이미지 자체는 절대 바뀌지 않고, 아직 아무것도 쓰지 않았으니 diff는 비어 있습니다.',
    },
    look: { en: 'The sizes chart: image vs writable vs virtual.', ko: '크기 차트: 이미지 / 쓰기 레이어 / 전체(virtual).' },
    scene: { kind: 'container', container: 'cow' },
  },
  {
    id: 'copy-on-write',
    title: { en: 'Copy-on-write: changing a lower file copies it up whole', ko: '쓸 때 복사(copy-on-write): 아래 파일을 바꾸면 통째로 복사됩니다' },
    caption: {
      en: 'echo >> /etc/app/settings.conf: the file lives in a read-only layer, so overlayfs copies the whole file into the writable layer first, then appends. One byte changed costs the whole file.',
      ko: 'echo >> /etc/app/settings.conf: 파일이 읽기 전용 레이어에 있으므로 overlayfs가 파일 전체를 쓰기 레이어로 복사한 뒤 덧붙입니다. 1바이트를 바꿔도 파일 전체 크기가 듭니다.',
    },
    look: { en: 'C /etc/app/settings.conf with its full size; its parents are C too.', ko: 'C /etc/app/settings.conf (파일 전체 크기), 상위 디렉터리도 C.' },
    scene: { kind: 'container', container: 'cow' },
    actions: [{ op: 'append', path: '/etc/app/settings.conf', text: 'debug=true\n' }],
  },
  {
    id: 'touch',
    title: { en: 'touch hello world', ko: 'touch hello world' },
    caption: {
      en: 'New files appear only in the writable layer: docker diff shows A /hello and A /world. Deleting a lower file (rm /etc/motd) leaves a whiteout: D /etc/motd.',
      ko: '새 파일은 쓰기 레이어에만 생깁니다: docker diff에 A /hello, A /world가 보입니다. 아래 레이어의 파일을 지우면(rm /etc/motd) whiteout이 남습니다: D /etc/motd.',
    },
    look: { en: 'A /hello, A /world, D /etc/motd — highlighted as they appear.', ko: 'A /hello, A /world, D /etc/motd — 나타날 때 강조됩니다.' },
    scene: { kind: 'container', container: 'cow' },
    actions: [
      { op: 'touch', paths: ['/hello', '/world'] },
      { op: 'remove', path: '/etc/motd' },
    ],
  },
  {
    id: 'commit',
    title: { en: 'commit = diff', ko: 'commit = diff' },
    caption: {
      en: 'docker commit turns the writable layer into a new image layer, exactly: the top layer of demo/committed holds the same A/C/D the container diff showed (deletions as .wh. whiteouts).',
      ko: 'docker commit은 쓰기 레이어를 그대로 새 이미지 레이어로 만듭니다. demo/committed의 맨 위 레이어에는 컨테이너 diff의 A/C/D가 그대로 들어 있습니다(삭제는 .wh. whiteout으로).',
    },
    look: { en: 'The top layer: /hello, /world added, settings.conf modified, /etc/motd removed.', ko: '맨 위 레이어: /hello, /world 추가, settings.conf 변경, /etc/motd 삭제.' },
    scene: { kind: 'image', image: 'demo/committed:1', view: { historyCursor: 99, focus: 'tree', hidden: { added: false, modified: false, removed: false, unmodified: true } } },
  },
  {
    id: 'committed-container',
    title: { en: 'A container of the new image starts clean', ko: '새 이미지의 컨테이너는 깨끗하게 시작합니다' },
    caption: {
      en: 'Run the committed image: its own writable layer is empty again. What was a diff is now read-only history.',
      ko: '커밋한 이미지를 실행하면 쓰기 레이어는 다시 비어 있습니다. diff였던 것이 이제는 읽기 전용 이력입니다.',
    },
    look: { en: 'No changes; the image size grew by what was committed.', ko: '변경 없음. 이미지 크기는 커밋한 만큼 커졌습니다.' },
    scene: { kind: 'container', container: 'committed' },
  },
  {
    id: 'filex',
    title: { en: 'FileX: apt update, then apt install, in two RUNs', ko: 'FileX: apt update와 apt install을 RUN 두 개로' },
    caption: {
      en: 'RUN apt update, then RUN apt install -y git. The install rewrites the package cache and dpkg status: their first versions stay in the update layer, shipped but never seen.',
      ko: 'RUN apt update 다음에 RUN apt install -y git. 설치가 패키지 캐시와 dpkg status를 다시 쓰므로, 첫 버전은 update 레이어에 남아 배포되지만 보이지 않습니다.',
    },
    look: { en: 'Waste: /var/cache/apt/pkgcache.bin counted twice.', ko: '낭비: /var/cache/apt/pkgcache.bin이 두 번 계산됩니다.' },
    scene: { kind: 'image', image: 'demo/filex:1', view: { historyCursor: 2, overlay: 'waste' } },
  },
  {
    id: 'filey',
    title: { en: 'FileY: one RUN, the same files', ko: 'FileY: RUN 하나, 같은 파일' },
    caption: {
      en: 'RUN apt update && apt install -y git: one layer, the same files in the end, and only the last version of each is stored.',
      ko: 'RUN apt update && apt install -y git: 레이어 하나, 결과 파일은 같고, 각 파일의 마지막 버전만 저장됩니다.',
    },
    look: { en: 'Compare: no file differs; the layers do.', ko: '비교: 파일 차이는 없고, 레이어만 다릅니다.' },
    scene: { kind: 'compare', a: 'demo/filex:1', b: 'demo/filey:1' },
  },
  {
    id: 'bigfile',
    title: { en: 'Deleted in a later layer, still shipped', ko: '나중 레이어에서 지워도 여전히 배포됩니다' },
    caption: {
      en: 'A 20 MB download in one RUN and rm in the next: the file is gone from the union, but its layer still carries all 20 MB. Delete in the same RUN that creates it.',
      ko: '한 RUN에서 20MB를 내려받고 다음 RUN에서 rm: 합쳐진 파일시스템에서는 사라졌지만 레이어는 여전히 20MB를 담고 있습니다. 만든 RUN 안에서 지우세요.',
    },
    look: { en: 'Wasted 20MB; efficiency drops.', ko: '낭비 20MB, 효율이 떨어집니다.' },
    scene: { kind: 'image', image: 'demo/bigfile:1', view: { historyCursor: 2, overlay: 'waste' } },
  },
  {
    id: 'whiteouts',
    title: { en: 'Whiteouts and opaque directories', ko: 'whiteout과 opaque 디렉터리' },
    caption: {
      en: 'rm /srv/old-notes.txt writes a whiteout (.wh.old-notes.txt). rm -rf /srv/cache && mkdir /srv/cache marks the new directory opaque (.wh..wh..opq): everything below it in lower layers is hidden.',
      ko: 'rm /srv/old-notes.txt는 whiteout(.wh.old-notes.txt)을 씁니다. rm -rf /srv/cache && mkdir /srv/cache는 새 디렉터리를 opaque(.wh..wh..opq)로 표시해 아래 레이어의 내용을 모두 가립니다.',
    },
    look: { en: 'Removed: old-notes.txt, cache/a, cache/b. Added: cache/c.', ko: '삭제: old-notes.txt, cache/a, cache/b. 추가: cache/c.' },
    scene: { kind: 'image', image: 'demo/whiteouts:1', view: { historyCursor: 2, focus: 'tree', hidden: { added: false, modified: false, removed: false, unmodified: true } } },
  },
  {
    id: 'metadata',
    title: { en: 'Metadata instructions make empty rows', ko: '메타데이터 명령은 빈 행을 만듭니다' },
    caption: {
      en: 'ENV, EXPOSE, WORKDIR, ENTRYPOINT and CMD change the config, not files: 0 B rows, no layer. The container runs ENTRYPOINT + CMD: /bin/sh /srv/greet.sh --loud. docker run IMAGE --quiet replaces CMD only: /bin/sh /srv/greet.sh --quiet.',
      ko: 'ENV, EXPOSE, WORKDIR, ENTRYPOINT, CMD는 파일이 아니라 설정을 바꿉니다: 0B 행, 레이어 없음. 컨테이너는 ENTRYPOINT + CMD를 실행합니다: /bin/sh /srv/greet.sh --loud. docker run IMAGE --quiet는 CMD만 바꿉니다: /bin/sh /srv/greet.sh --quiet.',
    },
    look: { en: 'Dimmed rows with · instead of a layer number.', ko: '레이어 번호 대신 · 가 있는 흐린 행.' },
    scene: { kind: 'image', image: 'demo/metadata:1', view: { historyCursor: 5 } },
  },
  {
    id: 'cache-good',
    title: { en: 'Build cache: dependencies before the source', ko: '빌드 캐시: 소스보다 의존성을 먼저' },
    caption: {
      en: 'COPY package.json, RUN npm install, then COPY . — changing server.js for v2 reuses every layer up to npm install; the rebuild starts at the last COPY.',
      ko: 'COPY package.json, RUN npm install, 그다음 COPY . — v2에서 server.js만 바꾸면 npm install까지의 레이어를 모두 재사용하고, 다시 빌드는 마지막 COPY부터 시작합니다.',
    },
    look: { en: 'Shared leading layers (= marks): everything up to npm install; only the source layer differs.', ko: '공유하는 앞쪽 레이어(= 표시): npm install까지 전부, 소스 레이어만 다릅니다.' },
    scene: { kind: 'compare', a: 'demo/cache-good:v1', b: 'demo/cache-good:v2' },
  },
  {
    id: 'cache-bad',
    title: { en: 'Build cache: source first invalidates everything after', ko: '빌드 캐시: 소스를 먼저 복사하면 그 뒤가 모두 무효' },
    caption: {
      en: 'COPY . before RUN npm install: any source change invalidates the COPY layer, so npm install runs again and its 2 MB layer is new in v2.',
      ko: 'RUN npm install 전에 COPY . 를 하면 소스가 바뀔 때마다 COPY 레이어가 무효가 되어 npm install이 다시 실행되고, 2MB 레이어가 v2에서 새로 생깁니다.',
    },
    look: { en: 'Shared leading layers: only those before COPY . — npm install is new in v2.', ko: '공유하는 앞쪽 레이어: COPY . 이전 것뿐 — npm install 레이어가 v2에서 새로 생깁니다.' },
    scene: { kind: 'compare', a: 'demo/cache-bad:v1', b: 'demo/cache-bad:v2' },
  },
];

/** The container actions in effect at step `n`: every earlier step's, in order. */
export function actionsUpTo(n: number): ContainerAction[] {
  return TOUR.slice(0, n + 1).flatMap((s) => s.actions ?? []);
}

/** Every action of the story, for building the committed image. */
export function allContainerActions(): ContainerAction[] {
  return actionsUpTo(TOUR.findIndex((s) => s.id === 'commit'));
}

/** The languages the panes' own words come in (the demo's --lang); names and figures stay as they are. */
export type UiLang = 'en' | 'ko';

/** What a selection compares, as the files pane's title says it. */
export type SelectionKind = { kind: 'metadata'; to: number } | { kind: 'layer'; to: number } | { kind: 'all'; to: number } | { kind: 'range'; from: number; to: number };

export function selectionLabel(s: SelectionKind, lang: UiLang = 'en'): string {
  if (lang === 'ko') {
    switch (s.kind) {
      case 'metadata':
        return `메타데이터 행: 파일 변경 없음 (레이어 ${s.to}의 트리)`;
      case 'layer':
        return `레이어 ${s.to}: 이 레이어의 변경`;
      case 'all':
        return `레이어 0..${s.to}: 여기까지 전부`;
      case 'range':
        return `레이어 ${s.from}..${s.to}: 범위의 변경`;
    }
  }
  switch (s.kind) {
    case 'metadata':
      return `metadata row: no file changes (tree of layer ${s.to})`;
    case 'layer':
      return `layer ${s.to}: its own changes`;
    case 'all':
      return `layers 0..${s.to}: everything up to here`;
    case 'range':
      return `layers ${s.from}..${s.to}: changes over the range`;
  }
}

/** The two panes' titles. */
export function layersTitle(rows: number, layers: number, lang: UiLang = 'en'): string {
  return lang === 'ko' ? `레이어  ${rows}행, 레이어 ${layers}개` : `Layers  ${rows} rows, ${layers} layers`;
}

export function filesTitle(label: string, lang: UiLang = 'en'): string {
  return `${lang === 'ko' ? '파일' : 'Files'}  ${label}`;
}

/** The footer's words in Korean, by their English ones. */
export const KO_HINT_WORDS: Record<string, string> = {
  files: '파일',
  layer: '레이어',
  layers: '레이어',
  all: '전체',
  range: '범위',
  details: '자세히',
  waste: '낭비',
  keys: '키',
  quit: '끝내기',
  fold: '접기',
  filter: '필터',
  view: '보기',
  extract: '꺼내기',
  sort: '정렬',
  attrs: '속성',
  history: '이력',
  'hide added': '추가 숨기기',
};

/** The words of the overlays and the container pane, per language (the demo shows all of them). */
export interface PaneWords {
  help: (more: string) => string;
  helpScroll: (first: number, last: number, total: number) => string;
  /** The header's figures after the image's name and ID. */
  headerFigures: (size: string, layers: number, efficiency: string | null, wasted: string | null) => string;
  filterPrompt: string;
  /** In the header while a first look is verified. */
  verifying: (percent: number) => string;
  extractPrompt: (path: string) => string;
  overwritePrompt: (target: string) => string;
  wasteTitle: string;
  wasteShort: string;
  computing: string;
  gaugeLabel: string;
  efficiency: (e: string) => string;
  wasteFigures: (efficiency: string, wasted: string, userWasted: string, reclaimable: string) => string;
  hiddenFigures: (whiteouts: string, opaque: string, duplicate: string) => string;
  /** Aligned with the rows: count 5 cells, wasted 7, reclaimable 11, two spaces between. */
  wasteColumns: string;
  noWaste: string;
  detailsTitle: string;
  created: (when: string | null, metadataOnly: boolean) => string;
  layerLine: (index: number, size: string, blob: string, mediaType: string) => string;
  changeCounts: (added: number, modified: number, removed: number, hidden: string, repeated: boolean) => string;
  sizesWaiting: string;
  /** The demo's container: its tag, and its status in place of an engine's. */
  simulated: string;
  simulatedStatus: string;
  writableFrom: string;
  noContentWritten: string;
  storage: (driver: string) => string;
  lowerDirs: (n: number) => string;
  changesTitle: string;
  noChanges: string;
  /** A file's viewer and its history. */
  viewTitle: (path: string, size: string, kind: 'text' | 'binary', firstPart: string | null) => string;
  historyTitle: (path: string) => string;
  impliedParent: string;
  extracted: (path: string, target: string, size: string) => string;
  /** Compare (`fathom A B`, and the demo's compare steps). */
  compareHeader: (a: string, b: string, shared: number, sharedSize: string, partAt: number | null) => string;
  compareFiles: (added: number, addedSize: string, removed: number, removedSize: string, modified: number) => string;
  compareConfig: (differing: number, fields: number) => string;
  readingBoth: (path: string) => string;
  compareHints: (shown: 'files' | 'config' | 'diff') => string;
}

export const PANE_WORDS: Record<UiLang, PaneWords> = {
  en: {
    help: (more) => `Keys — esc closes${more} · remap in ~/.config/fathom/config.yaml or dive's .dive.yaml \`keybinding:\``,
    helpScroll: (first, last, total) => ` · ${first}–${last} of ${total}, ↑↓ pgup pgdn g G scroll`,
    headerFigures: (size, layers, e, w) => `${size}  ${layers} layers${e !== null ? `  efficiency ${e}  wasted ${w}` : ''}`,
    filterPrompt: 'filter (regex, enter applies, esc cancels): ',
    verifying: (p) => `verifying… ${p} %`,
    extractPrompt: (p) => `extract ${p} to: `,
    overwritePrompt: (t) => `${t} exists: overwrite? (y/N) `,
    wasteTitle: "Wasted space (dive's numbers, and fathom's) — ↑↓ select, enter shows the path, esc closes",
    wasteShort: 'Wasted space',
    computing: 'computing…',
    gaugeLabel: ' efficiency ',
    efficiency: (e) => `efficiency ${e}`,
    wasteFigures: (e, w, u, r) => `efficiency ${e}   wasted ${w}   user wasted ${u}   reclaimable ${r}`,
    hiddenFigures: (wh, op, dup) => `hidden by whiteouts ${wh}   by opaque dirs ${op}   same content elsewhere ${dup}`,
    wasteColumns: 'Count  Wasted   Reclaimable  Path',
    noWaste: 'no path is stored more than once',
    detailsTitle: 'Layer details — esc closes',
    created: (when, meta) => `created ${when ?? 'unknown'}${meta ? '   (metadata only: no layer)' : ''}`,
    layerLine: (i, size, blob, mt) => `layer ${i}   size ${size}   blob ${blob} (${mt})`,
    changeCounts: (a, m, r, hidden, repeated) => `+${a} added  ~${m} modified  -${r} removed   later hidden: ${hidden}${repeated ? '   (this diff ID appears twice in the image)' : ''}`,
    sizesWaiting: 'sizes: waiting for the engine…',
    simulated: '[SIMULATED]',
    simulatedStatus: 'running (simulated: no Docker daemon involved)',
    writableFrom: 'writable size comes from',
    noContentWritten: '(no file content written)',
    storage: (d) => `storage: ${d}`,
    lowerDirs: (n) => `${n} dirs`,
    changesTitle: 'changes (like docker diff, live; new or resized entries highlighted)',
    noChanges: 'no changes yet',
    viewTitle: (p, size, kind, first) => `${p} (${size}, ${kind}${first ? `, first ${first}` : ''}) — ↑↓ scroll, esc closes`,
    historyTitle: (p) => `Every layer that touched ${p} — esc closes`,
    impliedParent: '(no layer wrote it directly: it is an implied parent directory)',
    extracted: (p, t, size) => `extracted ${p} → ${t} (${size})`,
    compareHeader: (a, b, n, size, at) => `compare  A ${a}  ↔  B ${b}   shared leading layers: ${n} (${size})${at !== null ? `, they part at layer ${at}` : ''}`,
    compareFiles: (a, as, r, rs, m) => `files: +${a} (${as})  -${r} (${rs})  ~${m}`,
    compareConfig: (d, n) => `config: ${d} of ${n} differ (*)`,
    readingBoth: (p) => `${p}: reading both…`,
    compareHints: (shown) => (shown === 'diff' ? '↑↓ scroll  esc back to the files  q quit' : shown === 'config' ? '↑↓ scroll  tab files  q quit' : '↑↓ move  enter content diff (~)  tab config  q quit'),
  },
  ko: {
    help: (more) => `키 — esc 닫기${more} · ~/.config/fathom/config.yaml 또는 dive의 .dive.yaml \`keybinding:\`에서 바꿈`,
    helpScroll: (first, last, total) => ` · ${total}개 중 ${first}–${last}, ↑↓ pgup pgdn g G 스크롤`,
    headerFigures: (size, layers, e, w) => `${size}  레이어 ${layers}개${e !== null ? `  효율 ${e}  낭비 ${w}` : ''}`,
    filterPrompt: '필터 (정규식, enter 적용, esc 취소): ',
    verifying: (p) => `검증 중… ${p} %`,
    extractPrompt: (p) => `${p} 꺼내기, 저장할 곳: `,
    overwritePrompt: (t) => `${t}이(가) 이미 있음: 덮어쓸까요? (y/N) `,
    wasteTitle: '낭비된 공간 (dive의 수치와 fathom의 수치) — ↑↓ 선택, enter 경로 보기, esc 닫기',
    wasteShort: '낭비된 공간',
    computing: '계산 중…',
    gaugeLabel: ' 효율 ',
    efficiency: (e) => `효율 ${e}`,
    wasteFigures: (e, w, u, r) => `효율 ${e}   낭비 ${w}   사용자 낭비 ${u}   회수 가능 ${r}`,
    hiddenFigures: (wh, op, dup) => `화이트아웃이 가림 ${wh}   불투명 디렉터리가 가림 ${op}   다른 곳과 같은 내용 ${dup}`,
    wasteColumns: ' 횟수     낭비    회수 가능  경로',
    noWaste: '두 번 넘게 저장된 경로 없음',
    detailsTitle: '레이어 자세히 — esc 닫기',
    created: (when, meta) => `생성 ${when ?? '알 수 없음'}${meta ? '   (메타데이터만: 레이어 없음)' : ''}`,
    layerLine: (i, size, blob, mt) => `레이어 ${i}   크기 ${size}   blob ${blob} (${mt})`,
    changeCounts: (a, m, r, hidden, repeated) => `+${a} 추가  ~${m} 수정  -${r} 삭제   나중에 가려짐: ${hidden}${repeated ? '   (이 diff ID가 이미지에 두 번 나옴)' : ''}`,
    sizesWaiting: '크기: 엔진 응답 기다리는 중…',
    simulated: '[시뮬레이션]',
    simulatedStatus: '실행 중 (시뮬레이션: Docker 데몬 없이 동작)',
    writableFrom: '쓰기 레이어 크기를 차지하는 것',
    noContentWritten: '(쓴 파일 내용 없음)',
    storage: (d) => `저장소: ${d}`,
    lowerDirs: (n) => `디렉터리 ${n}개`,
    changesTitle: '변경 (docker diff처럼 실시간; 새 항목과 크기가 바뀐 항목 강조)',
    noChanges: '아직 변경 없음',
    viewTitle: (p, size, kind, first) => `${p} (${size}, ${kind === 'text' ? '텍스트' : '바이너리'}${first ? `, 처음 ${first}` : ''}) — ↑↓ 스크롤, esc 닫기`,
    historyTitle: (p) => `${p}을(를) 건드린 모든 레이어 — esc 닫기`,
    impliedParent: '(직접 쓴 레이어 없음: 암시된 상위 디렉터리)',
    extracted: (p, t, size) => `${p} → ${t} 꺼냄 (${size})`,
    compareHeader: (a, b, n, size, at) => `비교  A ${a}  ↔  B ${b}   앞쪽 공유 레이어: ${n}개 (${size})${at !== null ? `, 레이어 ${at}에서 갈라짐` : ''}`,
    compareFiles: (a, as, r, rs, m) => `파일: +${a} (${as})  -${r} (${rs})  ~${m}`,
    compareConfig: (d, n) => `설정: ${n}개 중 ${d}개 다름 (*)`,
    readingBoth: (p) => `${p}: 양쪽 읽는 중…`,
    compareHints: (shown) => (shown === 'diff' ? '↑↓ 스크롤  esc 파일 목록으로  q 끝내기' : shown === 'config' ? '↑↓ 스크롤  tab 파일  q 끝내기' : '↑↓ 이동  enter 내용 비교 (~)  tab 설정  q 끝내기'),
  },
};

/** What the footer says after a key, held as what happened so it can be worded in the view's language. */
export type Notice =
  | { kind: 'hidden'; files: 'added' | 'removed' | 'modified' | 'unmodified'; hiding: boolean }
  | { kind: 'filter'; pattern: string | null }
  | { kind: 'mode'; mode: 'layer' | 'all' }
  | { kind: 'range'; set: boolean }
  | { kind: 'sorted'; by: 'name' | 'size' }
  | { kind: 'is-dir'; path: string; action: 'view' | 'extract' }
  | { kind: 'details-needs-layers' }
  | { kind: 'extracting'; path: string; target: string }
  | { kind: 'not-overwritten' }
  /** View and extract wait for the layers' digests (a first look is not verified). */
  | { kind: 'verifying' }
  /** An outcome worded where it was made (an extract's result, an error). */
  | { kind: 'text'; text: string };

const KO_FILES = { added: '추가된', removed: '삭제된', modified: '수정된', unmodified: '바뀌지 않은' } as const;

export function noticeText(n: Notice, lang: UiLang = 'en'): string {
  const ko = lang === 'ko';
  switch (n.kind) {
    case 'hidden':
      return ko ? `${KO_FILES[n.files]} 파일 ${n.hiding ? '숨김' : '보임'}` : `${n.hiding ? 'hiding' : 'showing'} ${n.files} files`;
    case 'filter':
      return n.pattern === null ? (ko ? '필터 해제' : 'filter cleared') : `${ko ? '필터' : 'filter'}: ${n.pattern}`;
    case 'mode':
      if (n.mode === 'layer') return ko ? '선택한 레이어의 변경을 보여 줌' : "showing the selected layer's changes";
      return ko ? '선택한 레이어까지의 모든 변경을 보여 줌' : 'showing all changes up to the selected layer';
    case 'range':
      if (n.set) return ko ? '범위 시작 지정: 끝 레이어로 이동하세요' : 'range start set: move to the end layer';
      return ko ? '비교 범위 해제' : 'compare range cleared';
    case 'sorted':
      return ko ? `${n.by === 'size' ? '크기' : '이름'}순 정렬` : `sorted by ${n.by}`;
    case 'is-dir':
      if (n.action === 'view') return ko ? `${n.path}은(는) 디렉터리: v는 파일을 봄 (space로 디렉터리 접기)` : `${n.path} is a directory: v views a file (space folds a directory)`;
      return ko ? `${n.path}은(는) 디렉터리: x는 파일을 꺼냄` : `${n.path} is a directory: x extracts a file`;
    case 'details-needs-layers':
      return ko ? 'd는 레이어의 자세한 정보: 먼저 tab으로 레이어로' : "d shows a layer's details: tab to the layers first";
    case 'extracting':
      return ko ? `${n.path} → ${n.target} 꺼내는 중…` : `extracting ${n.path} → ${n.target}…`;
    case 'verifying':
      return ko ? '레이어 검증이 끝나면 파일을 보거나 꺼낼 수 있습니다' : 'files can be viewed and extracted once the layers are verified (see the header)';
    case 'not-overwritten':
      return ko ? '덮어쓰지 않음' : 'not overwritten';
    case 'text':
      return n.text;
  }
}

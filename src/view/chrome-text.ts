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

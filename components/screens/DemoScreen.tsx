import React, { useEffect, useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import type { DemoWorld } from '../../demo/world.js';
import type { Lang, TourStep } from '../../demo/tour.js';
import { fit, wrapText } from '../../src/view/format.js';
import type { KeyMap } from '../../src/view/keys.js';
import type { TerminalSize } from '../hooks/useTerminalSize.js';
import type { Theme } from '../theme.js';
import { ImageView } from './ImageView.js';
import { CompareScreen } from './CompareScreen.js';
import { ContainerDetailPane } from './ContainersScreen.js';

const CAPTION_ROWS = 6;

export interface DemoScreenProps {
  world: DemoWorld;
  steps: TourStep[];
  lang: Lang;
  start: number;
  /** Seconds per step when autoplaying; null steps by hand. */
  pace: number | null;
  keymap: KeyMap;
  theme: Theme;
  size: TerminalSize;
  onQuit: () => void;
}

/** The narrated tour: the real panes, set up for each step, under a caption of what to look at. */
export function DemoScreen({ world, steps, lang, start, pace, keymap, theme, size, onQuit }: DemoScreenProps) {
  const [index, setIndex] = useState(Math.max(0, Math.min(steps.length - 1, start)));
  const step = steps[index];
  const sceneSize = { columns: size.columns, rows: Math.max(12, size.rows - CAPTION_ROWS) };

  useKeys((input) => {
    // Image and compare scenes quit on q themselves; the container scene has no key handler of its own.
    if (input === 'q' && step.scene.kind === 'container') onQuit();
    else if (input === 'n' || input === 'N') setIndex((i) => Math.min(steps.length - 1, i + 1));
    else if (input === 'p' || input === 'P') setIndex((i) => Math.max(0, i - 1));
  });

  useEffect(() => {
    if (pace === null || index >= steps.length - 1) return;
    const t = setTimeout(() => setIndex((i) => Math.min(steps.length - 1, i + 1)), pace * 1000);
    return () => clearTimeout(t);
  }, [pace, index]);

  // The container as it stood before this step; this step's own actions play out on screen.
  const container = useMemo(() => (step.scene.kind === 'container' ? world.container(step.scene.container, index, lang) : null), [index]);
  const storage = useMemo(() => (step.scene.kind === 'container' ? world.storage(step.scene.container, lang) : null), [index]);
  useEffect(() => () => container?.stop(), [container]);
  useEffect(() => {
    if (!container || !step.actions?.length) return;
    const timers = step.actions.map((a, i) => setTimeout(() => world.perform(container, a), 400 + i * 500));
    return () => timers.forEach(clearTimeout);
  }, [container]);

  let scene: React.ReactNode;
  const s = step.scene;
  if (s.kind === 'image') {
    const model = world.models.get(s.image)!;
    scene = <ImageView key={step.id} lang={lang} model={model} store={world.store} keymap={keymap} theme={theme} size={sceneSize} sharedDiffIds={new Set()} onQuit={onQuit} initial={s.view} />;
  } else if (s.kind === 'compare') {
    scene = <CompareScreen key={step.id} lang={lang} a={world.models.get(s.a)!} b={world.models.get(s.b)!} store={world.store} keymap={keymap} theme={theme} size={sceneSize} onQuit={onQuit} />;
  } else {
    scene = (
      <Box flexDirection="column" height={sceneSize.rows - 1}>
        <ContainerDetailPane
          key={step.id}
          lang={lang}
          detail={{ feed: container!, storage }}
          width={size.columns}
          height={sceneSize.rows - 2}
          theme={theme}
          scroll={0}
        />
      </Box>
    );
  }
  const captionLines = wrapText(step.caption[lang], size.columns - 2).slice(0, CAPTION_ROWS - 3);
  return (
    <Box flexDirection="column" width={size.columns} height={size.rows - 1}>
      <Box height={sceneSize.rows - 1} flexDirection="column">
        {scene}
      </Box>
      <Text bold color={theme.accent}>
        {fit(`${lang === 'ko' ? `${index + 1}/${steps.length}단계` : `Step ${index + 1}/${steps.length}`} · ${step.title[lang]}`, size.columns)}
      </Text>
      {captionLines.map((l, i) => (
        <Text key={i}>{fit(l, size.columns)}</Text>
      ))}
      <Text color={theme.change.modified}>{fit(`${lang === 'ko' ? '볼 곳' : 'Look'}: ${step.look[lang]}`, size.columns)}</Text>
      <Text dimColor={theme.dim}>
        {fit(lang === 'ko' ? `n 다음 · p 이전 · q 끝내기${pace !== null ? ` · 자동 진행 ${pace}초` : ''}` : `n next · p previous · q quit${pace !== null ? ` · autoplay ${pace}s` : ''}`, size.columns)}
      </Text>
    </Box>
  );
}

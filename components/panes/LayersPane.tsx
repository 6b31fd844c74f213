import { layersTitle, type UiLang } from '../../src/view/chrome-text.js';
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { HistoryRow } from '../../src/model/image-model.js';
import { humanBytes } from '../../src/format.js';
import { fit } from '../../src/view/format.js';
import { instructionText } from '../../src/view/instruction.js';
import type { Theme } from '../theme.js';

export interface LayersPaneProps {
  /** The language of the pane's own words (the demo's --lang). */
  lang?: UiLang;
  history: readonly HistoryRow[];
  layerSizes: readonly number[];
  /** Layers whose diff ID other stored images use too. */
  sharedLayers: ReadonlySet<number>;
  cursor: number;
  top: number;
  height: number;
  width: number;
  focused: boolean;
  rangeStart: number | null;
  theme: Theme;
}

const Row = memo(function Row({ text, selected, inRange, dim, theme }: { text: string; selected: boolean; inRange: boolean; dim: boolean; theme: Theme }) {
  return (
    <Text inverse={selected} color={inRange ? theme.accent : undefined} dimColor={dim && !selected && theme.dim}>
      {text}
    </Text>
  );
});

/** Every history row, empty metadata rows included, with size and instruction. */
export function LayersPane(p: LayersPaneProps) {
  const rows = p.history.slice(p.top, p.top + p.height);
  const lo = p.rangeStart === null ? -1 : Math.min(p.rangeStart, p.cursor);
  const hi = p.rangeStart === null ? -1 : Math.max(p.rangeStart, p.cursor);
  return (
    <Box flexDirection="column" width={p.width} height={p.height + 1}>
      <Text bold color={p.focused ? p.theme.accent : undefined}>
        {fit(`${p.focused ? '▶' : ' '} ${layersTitle(p.history.length, p.layerSizes.length, p.lang)}`, p.width)}
      </Text>
      {rows.map((h, i) => {
        const row = p.top + i;
        const layer = h.layerIndex;
        const idx = layer === null ? '  ·' : String(layer).padStart(3);
        const size = layer === null ? '0B' : humanBytes(p.layerSizes[layer]);
        const shared = layer !== null && p.sharedLayers.has(layer) ? '◆' : ' ';
        const mark = p.theme.markers ? (row === p.cursor ? '>' : ' ') : '';
        const text = fit(`${mark}${idx} ${shared}${size.padStart(8)}  ${instructionText(h.createdBy, h.comment).replace(/\s+/g, ' ')}`, p.width);
        return <Row key={row} text={text} selected={row === p.cursor} inRange={row >= lo && row <= hi} dim={layer === null} theme={p.theme} />;
      })}
    </Box>
  );
}

import React from 'react';
import { Box, Text } from 'ink';
import { humanBytes, percent } from '../../src/format.js';
import type { LayerSummary, HistoryRow, WasteReport } from '../../src/model/image-model.js';
import type { KeyMap } from '../../src/view/keys.js';
import { fit, wrapText } from '../../src/view/format.js';
import { instructionText } from '../../src/view/instruction.js';
import { gauge } from '../chart-adapter.js';
import type { Theme } from '../theme.js';
import { PANE_WORDS, type UiLang } from '../../src/view/chrome-text.js';

function Frame({ title, width, height, children, theme }: { title: string; width: number; height: number; children: React.ReactNode; theme: Theme }) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={theme.accent}>
      <Text bold>{fit(title, width - 2)}</Text>
      {children}
    </Box>
  );
}


export function HelpOverlay({ keymap, scroll, width, height, theme, lang = 'en' }: { keymap: KeyMap; scroll: number; width: number; height: number; theme: Theme; lang?: UiLang }) {
  const lines = keymap
    .describe()
    .sort((a, b) => a.scope.localeCompare(b.scope) || a.action.localeCompare(b.action))
    .map((b) => `${b.scope.padEnd(7)} ${b.action.padEnd(28)} ${b.keys.join(', ')}`);
  const cols = width - 4;
  const visible = Math.max(1, height - 3);
  const top = Math.min(scroll, Math.max(0, lines.length - visible));
  const more = lines.length > visible ? PANE_WORDS[lang].helpScroll(top + 1, Math.min(lines.length, top + visible), lines.length) : '';
  return (
    <Frame title={PANE_WORDS[lang].help(more)} width={width} height={height} theme={theme}>
      {lines.slice(top, top + visible).map((l, i) => (
        <Text key={i}>{fit(l, cols)}</Text>
      ))}
    </Frame>
  );
}

export function WasteOverlay({ waste, cursor, width, height, theme, lang = 'en' }: { waste: WasteReport | null; cursor: number; width: number; height: number; theme: Theme; lang?: UiLang }) {
  const w = PANE_WORDS[lang];
  if (!waste) {
    return (
      <Frame title={w.wasteShort} width={width} height={height} theme={theme}>
        <Text>{w.computing}</Text>
      </Frame>
    );
  }
  const chart = gauge(waste.efficiencyScore * 100, w.gaugeLabel, Math.min(50, width - 4));
  const listHeight = Math.max(3, height - 12);
  const top = Math.max(0, Math.min(cursor - Math.floor(listHeight / 2), waste.inefficiencies.length - listHeight));
  return (
    <Frame title={w.wasteTitle} width={width} height={height} theme={theme}>
      <Text>{theme.name === 'no-color' ? w.efficiency(percent(waste.efficiencyScore, 2)) : chart}</Text>
      <Text>
        {fit(w.wasteFigures(percent(waste.efficiencyScore, 2), humanBytes(waste.wastedBytes), percent(waste.userWastedPercent, 2), humanBytes(waste.reclaimableBytes)), width - 4)}
      </Text>
      <Text dimColor={theme.dim}>
        {fit(w.hiddenFigures(humanBytes(waste.removedByWhiteoutBytes), humanBytes(waste.removedByOpaqueBytes), humanBytes(waste.duplicateContentBytes)), width - 4)}
      </Text>
      <Text bold>{fit(w.wasteColumns, width - 4)}</Text>
      {waste.inefficiencies.length === 0 ? <Text>{w.noWaste}</Text> : null}
      {waste.inefficiencies.slice(Math.max(0, top), Math.max(0, top) + listHeight).map((f, i) => {
        const row = Math.max(0, top) + i;
        return (
          <Text key={row} inverse={row === cursor}>
            {fit(`${String(f.count).padStart(5)}  ${humanBytes(f.sizeBytes).padStart(7)}  ${humanBytes(f.reclaimableBytes).padStart(11)}  ${f.path}`, width - 4)}
          </Text>
        );
      })}
    </Frame>
  );
}

export function DetailsOverlay({ row, summary, readLine, width, height, theme, lang = 'en' }: { row: HistoryRow; summary: LayerSummary | null; readLine?: string | null; width: number; height: number; theme: Theme; lang?: UiLang }) {
  const w = PANE_WORDS[lang];
  const lines: string[] = [];
  if (readLine) lines.push(readLine);
  lines.push(w.created(row.created, row.emptyLayer));
  if (summary) {
    lines.push(w.layerLine(summary.index, humanBytes(summary.sizeBytes), humanBytes(summary.compressedBytes), summary.mediaType));
    lines.push(`diff ID ${summary.diffId}`);
    lines.push(`digest  ${summary.digest}`);
    lines.push(w.changeCounts(summary.added, summary.modified, summary.removed, humanBytes(summary.shadowedBytes), summary.repeated));
  }
  lines.push('');
  lines.push(...wrapText(instructionText(row.createdBy, row.comment), width - 4));
  return (
    <Frame title={w.detailsTitle} width={width} height={height} theme={theme}>
      {lines.slice(0, height - 3).map((l, i) => (
        <Text key={i}>{fit(l, width - 4)}</Text>
      ))}
    </Frame>
  );
}

export function TextOverlay({ title, lines, scroll, width, height, theme }: { title: string; lines: string[]; scroll: number; width: number; height: number; theme: Theme }) {
  return (
    <Frame title={title} width={width} height={height} theme={theme}>
      {lines.slice(scroll, scroll + height - 3).map((l, i) => (
        <Text key={i}>{fit(l, width - 4)}</Text>
      ))}
    </Frame>
  );
}

export function PromptBar({ label, value, width, theme }: { label: string; value: string; width: number; theme: Theme }) {
  return (
    <Text color={theme.accent}>
      {fit(`${label}${value}█`, width)}
    </Text>
  );
}

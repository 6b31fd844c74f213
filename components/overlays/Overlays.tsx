import React from 'react';
import { Box, Text } from 'ink';
import { humanBytes, percent } from '../../src/format.js';
import type { LayerSummary, HistoryRow, WasteReport } from '../../src/model/image-model.js';
import type { KeyMap } from '../../src/view/keys.js';
import { fit, wrapText } from '../../src/view/format.js';
import { instructionText } from '../../src/view/instruction.js';
import { gauge } from '../chart-adapter.js';
import type { Theme } from '../theme.js';

function Frame({ title, width, height, children, theme }: { title: string; width: number; height: number; children: React.ReactNode; theme: Theme }) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={theme.accent}>
      <Text bold>{fit(title, width - 2)}</Text>
      {children}
    </Box>
  );
}


export function HelpOverlay({ keymap, scroll, width, height, theme }: { keymap: KeyMap; scroll: number; width: number; height: number; theme: Theme }) {
  const lines = keymap
    .describe()
    .sort((a, b) => a.scope.localeCompare(b.scope) || a.action.localeCompare(b.action))
    .map((b) => `${b.scope.padEnd(7)} ${b.action.padEnd(28)} ${b.keys.join(', ')}`);
  const cols = width - 4;
  const visible = Math.max(1, height - 3);
  const top = Math.min(scroll, Math.max(0, lines.length - visible));
  const more = lines.length > visible ? ` · ${top + 1}–${Math.min(lines.length, top + visible)} of ${lines.length}, ↑↓ pgup pgdn g G scroll` : '';
  return (
    <Frame title={`Keys — esc closes${more} · remap in ~/.config/fathom/config.yaml or dive's .dive.yaml \`keybinding:\``} width={width} height={height} theme={theme}>
      {lines.slice(top, top + visible).map((l, i) => (
        <Text key={i}>{fit(l, cols)}</Text>
      ))}
    </Frame>
  );
}

export function WasteOverlay({ waste, cursor, width, height, theme }: { waste: WasteReport | null; cursor: number; width: number; height: number; theme: Theme }) {
  if (!waste) {
    return (
      <Frame title="Wasted space" width={width} height={height} theme={theme}>
        <Text>computing…</Text>
      </Frame>
    );
  }
  const chart = gauge(waste.efficiencyScore * 100, ' efficiency ', Math.min(50, width - 4));
  const listHeight = Math.max(3, height - 12);
  const top = Math.max(0, Math.min(cursor - Math.floor(listHeight / 2), waste.inefficiencies.length - listHeight));
  return (
    <Frame title="Wasted space (dive's numbers, and fathom's) — ↑↓ select, enter shows the path, esc closes" width={width} height={height} theme={theme}>
      <Text>{theme.name === 'no-color' ? `efficiency ${percent(waste.efficiencyScore, 2)}` : chart}</Text>
      <Text>
        {fit(`efficiency ${percent(waste.efficiencyScore, 2)}   wasted ${humanBytes(waste.wastedBytes)}   user wasted ${percent(waste.userWastedPercent, 2)}   reclaimable ${humanBytes(waste.reclaimableBytes)}`, width - 4)}
      </Text>
      <Text dimColor={theme.dim}>
        {fit(`hidden by whiteouts ${humanBytes(waste.removedByWhiteoutBytes)}   by opaque dirs ${humanBytes(waste.removedByOpaqueBytes)}   same content elsewhere ${humanBytes(waste.duplicateContentBytes)}`, width - 4)}
      </Text>
      <Text bold>{fit('Count  Wasted   Reclaimable  Path', width - 4)}</Text>
      {waste.inefficiencies.length === 0 ? <Text>no path is stored more than once</Text> : null}
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

export function DetailsOverlay({ row, summary, readLine, width, height, theme }: { row: HistoryRow; summary: LayerSummary | null; readLine?: string | null; width: number; height: number; theme: Theme }) {
  const lines: string[] = [];
  if (readLine) lines.push(readLine);
  lines.push(`created ${row.created ?? 'unknown'}${row.emptyLayer ? '   (metadata only: no layer)' : ''}`);
  if (summary) {
    lines.push(`layer ${summary.index}   size ${humanBytes(summary.sizeBytes)}   blob ${humanBytes(summary.compressedBytes)} (${summary.mediaType})`);
    lines.push(`diff ID ${summary.diffId}`);
    lines.push(`digest  ${summary.digest}`);
    lines.push(`+${summary.added} added  ~${summary.modified} modified  -${summary.removed} removed   later hidden: ${humanBytes(summary.shadowedBytes)}${summary.repeated ? '   (this diff ID appears twice in the image)' : ''}`);
  }
  lines.push('');
  lines.push(...wrapText(instructionText(row.createdBy, row.comment), width - 4));
  return (
    <Frame title="Layer details — esc closes" width={width} height={height} theme={theme}>
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

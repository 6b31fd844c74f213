import { memo } from 'react';
import { Box, Text } from 'ink';
import type { ChangeKind } from '../../src/union/changes.js';
import { fit, treeRowText } from '../../src/view/format.js';
import type { TreeRows } from '../../src/view/tree-rows.js';
import type { Theme } from '../theme.js';

export interface FileTreePaneProps {
  rows: TreeRows;
  cursor: number;
  top: number;
  height: number;
  width: number;
  focused: boolean;
  attributes: boolean;
  title: string;
  status: string;
  theme: Theme;
}

/** One memoised <Text> per row, built from a string: only the visible rows are ever mounted. */
const Row = memo(function Row({ text, change, selected, theme }: { text: string; change: ChangeKind; selected: boolean; theme: Theme }) {
  return (
    <Text inverse={selected} color={theme.change[change]} bold={theme.bold && change !== 'unmodified'}>
      {text}
    </Text>
  );
});

/** Without colour, inverse video may not show: themes with markers draw the cursor as a '>'. */
function cursorMark(p: FileTreePaneProps, row: number): string {
  if (!p.theme.markers) return '';
  return p.focused && row === p.cursor ? '>' : ' ';
}

export function FileTreePane(p: FileTreePaneProps) {
  const visible = p.rows.slice(p.top, p.top + p.height);
  return (
    <Box flexDirection="column" width={p.width} height={p.height + 2}>
      <Text bold color={p.focused ? p.theme.accent : undefined}>
        {fit(`${p.focused ? '▶' : ' '} ${p.title}`, p.width)}
      </Text>
      <Text dimColor={p.theme.dim}>{fit(p.status, p.width)}</Text>
      {visible.length === 0 ? <Text dimColor={p.theme.dim}>{fit('  (nothing to show: check the filter and hide toggles)', p.width)}</Text> : null}
      {visible.map((row, i) => (
        <Row key={p.top + i} text={cursorMark(p, p.top + i) + fit(treeRowText(row, p.attributes, p.theme.markers), p.width - (p.theme.markers ? 1 : 0))} change={row.node.change} selected={p.focused && p.top + i === p.cursor} theme={p.theme} />
      ))}
    </Box>
  );
}

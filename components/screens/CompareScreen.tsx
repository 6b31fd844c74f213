import { useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import { compareImages } from '../../src/analysis/compare.js';
import { humanBytes } from '../../src/format.js';
import type { ImageModel } from '../../src/model/image-model.js';
import { fit } from '../../src/view/format.js';
import { instructionText } from '../../src/view/instruction.js';
import { keyName, type KeyMap } from '../../src/view/keys.js';
import type { TerminalSize } from '../hooks/useTerminalSize.js';
import type { Theme } from '../theme.js';

/** Two images side by side: the layers they share, then their files compared. */
export function CompareScreen({ a, b, keymap, theme, size, onQuit }: { a: ImageModel; b: ImageModel; keymap: KeyMap; theme: Theme; size: TerminalSize; onQuit: () => void }) {
  const cmp = useMemo(() => compareImages(a, b), [a, b]);
  const [scroll, setScroll] = useState(0);
  const w = size.columns;
  const half = Math.floor((w - 1) / 2);
  const layerRows = Math.max(a.layerCount, b.layerCount);
  const layerHeight = Math.min(layerRows, Math.max(3, Math.floor((size.rows - 6) / 3)));
  const fileHeight = Math.max(3, size.rows - layerHeight - 6);
  useKeys((input, key) => {
    const action = keymap.resolve(keyName(input, key), 'global');
    if (action === 'quit' || action === 'close') return onQuit();
    const by = action === 'down' ? 1 : action === 'up' ? -1 : action === 'page-down' ? fileHeight : action === 'page-up' ? -fileHeight : 0;
    if (by) setScroll((s) => Math.max(0, Math.min(Math.max(0, cmp.files.length - fileHeight), s + by)));
  });
  const label = (m: ImageModel) => m.record.repoTags[0] ?? m.record.id.slice(7, 19);
  const layerLine = (m: ImageModel, i: number) => {
    if (i >= m.layerCount) return '';
    const cmd = instructionText(m.layerSummaries[i].command).replace(/\s+/g, ' ');
    return `${String(i).padStart(3)} ${i < cmp.sharedLayers ? '=' : ' '} ${humanBytes(m.layerSize(i)).padStart(7)} ${cmd}`;
  };
  return (
    <Box flexDirection="column" width={w} height={size.rows - 1}>
      <Text bold color={theme.accent}>
        {fit(`compare  A ${label(a)}  ↔  B ${label(b)}   shared leading layers: ${cmp.sharedLayers} (${humanBytes(cmp.sharedBytes)})${cmp.firstDifferentLayer !== null ? `, they part at layer ${cmp.firstDifferentLayer}` : ''}`, w)}
      </Text>
      {Array.from({ length: layerHeight }, (_, i) => (
        <Text key={i} color={i < cmp.sharedLayers ? theme.accent : undefined}>
          {fit(layerLine(a, i), half)} {fit(layerLine(b, i), half)}
        </Text>
      ))}
      <Text bold>{fit(`files: +${cmp.totals.added} (${humanBytes(cmp.totals.addedBytes)})  -${cmp.totals.removed} (${humanBytes(cmp.totals.removedBytes)})  ~${cmp.totals.modified}`, w)}</Text>
      {cmp.files.slice(scroll, scroll + fileHeight).map((f, i) => {
        const sign = f.change === 'added' ? '+' : f.change === 'removed' ? '-' : '~';
        const sizes = f.change === 'modified' ? `${humanBytes(f.sizeBytesA ?? 0)} → ${humanBytes(f.sizeBytesB ?? 0)} (${f.what.join(', ')})` : humanBytes((f.sizeBytesA ?? f.sizeBytesB) ?? 0);
        return (
          <Text key={scroll + i} color={theme.change[f.change]}>
            {fit(`${sign} ${f.path}  ${sizes}`, w)}
          </Text>
        );
      })}
      <Text dimColor={theme.dim}>{fit('↑↓ scroll files  q quit', w)}</Text>
    </Box>
  );
}

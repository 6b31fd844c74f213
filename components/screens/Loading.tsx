import { Box, Text } from 'ink';
import { progressLine, type IngestProgress } from '../../src/sources/types.js';
import { useNow } from '../hooks/useNow.js';
import { fit } from '../../src/view/format.js';
import type { Theme } from '../theme.js';

/** Opening an image: layers and bytes done, the rate, and a bar — never a frozen screen. */
export function Loading({ label, progress, startedAt, width, theme }: { label: string; progress: IngestProgress | null; startedAt: number; width: number; theme: Theme }) {
  const seconds = Math.max(0.001, (useNow(1000) - startedAt) / 1000);
  const fraction = progress && progress.bytesTotal > 0 ? Math.min(1, progress.bytesDone / progress.bytesTotal) : 0;
  const barWidth = Math.max(10, Math.min(60, width - 20));
  const filled = Math.round(fraction * barWidth);
  return (
    <Box flexDirection="column" paddingLeft={1}>
      <Text bold color={theme.accent}>
        {fit(`opening ${label}`, width - 2)}
      </Text>
      {progress === null ? (
        <Text>reading the image's metadata…</Text>
      ) : progress.layersTotal === 0 ? (
        <Text>every layer is already in the store</Text>
      ) : (
        <>
          <Text>{`${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)} ${Math.round(fraction * 100)}%`}</Text>
          <Text>{fit(progressLine(progress, seconds), width - 2)}</Text>
        </>
      )}
      <Text dimColor={theme.dim}>q or ctrl+c cancels</Text>
    </Box>
  );
}

import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/**
 * The terminal's size, following resizes. Read once here and passed down: components never touch
 * stdout (a test stdout has no rows). Falls back to 80×24.
 */
export function useTerminalSize(fixed?: TerminalSize): TerminalSize {
  const { stdout } = useStdout();
  const read = (): TerminalSize => fixed ?? { columns: stdout?.columns || 80, rows: stdout?.rows || 24 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed || !stdout) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return size;
}

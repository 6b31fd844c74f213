/** Filled in with the TUI: first frame and keystroke latency. Returns null until the panes exist. */
export async function runUiBench(_store: string, _imageId: string): Promise<{ firstFrameMs: number; keyP95Ms: number; rows: number } | null> {
  return null;
}

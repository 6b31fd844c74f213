import { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text, useApp } from 'ink';
import { useKeys } from './hooks/useKeys.js';
import { TooSmall, tooSmall } from './TooSmall.js';
import type { ImageModel } from '../src/model/image-model.js';
import type { IngestProgress } from '../src/sources/types.js';
import type { KeyMap } from '../src/view/keys.js';
import type { AppIo } from '../src/view/app-io.js';
import type { PendingOpen } from '../src/view/pending-open.js';
import { fit } from '../src/view/format.js';
import { useTerminalSize, type TerminalSize } from './hooks/useTerminalSize.js';
import { ImageView } from './screens/ImageView.js';
import { Loading } from './screens/Loading.js';
import { ImagesScreen } from './screens/ImagesScreen.js';
import { CompareScreen } from './screens/CompareScreen.js';
import { ContainersScreen } from './screens/ContainersScreen.js';
import { AuditScreen } from './screens/AuditScreen.js';
import type { Theme } from './theme.js';

export type StartAt =
  | { kind: 'images' }
  /** `pending`: an open the CLI started before the first frame (see openBeforeFirstFrame). */
  | { kind: 'image'; source: string; pending?: PendingOpen }
  | { kind: 'compare'; a: string; b: string } | { kind: 'containers' };

type Screen =
  | { kind: 'images' }
  | { kind: 'containers' }
  | { kind: 'loading'; label: string; progress: IngestProgress | null; startedAt: number }
  /** `back`: the list it was opened from, where esc returns (none when opened from the command line). */
  | {
      kind: 'image';
      model: ImageModel;
      back: 'images' | 'containers' | null;
      /** A container's id: its writable layer is followed live. */
      container?: string;
      /** Set while the model is a first look and the layers are still read and verified: how far that is. */
      verifying?: IngestProgress | null;
    }
  | { kind: 'compare'; a: ImageModel; b: ImageModel }
  | { kind: 'error'; message: string }
  | { kind: 'audit'; sources: string[] };

export interface AppProps {
  start: StartAt;
  io: AppIo;
  keymap: KeyMap;
  theme: Theme;
  /** Fixed size for tests; the real terminal otherwise. */
  size?: TerminalSize;
  /** Receives the exit code when the app ends (2 when it ends on an error). */
  onExit?: (code: number, message: string | null) => void;
  onFrame?: () => void;
}

function ErrorScreen({ message, width, theme }: { message: string; width: number; theme: Theme }) {
  return (
    <Box flexDirection="column" paddingLeft={1}>
      <Text color={theme.change.removed} bold>
        {fit(`fathom: ${message}`, width - 2)}
      </Text>
      <Text dimColor={theme.dim}>q quits</Text>
    </Box>
  );
}

/** The app shell: one screen at a time, each with the only key handler while it is shown. */
export function App({ start, io, keymap, theme, size: fixedSize, onExit, onFrame }: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize(fixedSize);
  const [screen, setScreen] = useState<Screen>(() => {
    if (start.kind === 'image' && start.pending?.model) return { kind: 'image', model: start.pending.model, back: null };
    if (start.kind === 'image' && start.pending?.preview) return { kind: 'image', model: start.pending.preview, back: null, verifying: null };
    if (start.kind === 'images' || start.kind === 'containers') return { kind: start.kind };
    return { kind: 'loading', label: start.kind === 'image' ? start.source : `${start.a} ↔ ${start.b}`, progress: null, startedAt: Date.now() };
  });
  const lastError = useRef<string | null>(null);
  /** Told when a first look has been drawn (see open). */
  const previewDrawn = useRef<(() => void) | null>(null);
  const fittedSize = useRef<TerminalSize | null>(null);
  // Reads every stored image record: once per opened image, not on every render.
  const shownModel = screen.kind === 'image' ? screen.model : null;
  const sharedDiffIds = useMemo(() => (shownModel ? io.sharedDiffIds(shownModel) : new Set<string>()), [shownModel]);

  const quit = (code = 0) => {
    onExit?.(code, lastError.current);
    exit();
  };

  const open = async (source: string, fromList: boolean, pending?: PendingOpen, container?: string) => {
    const back = container ? 'containers' : fromList ? 'images' : null;
    if (!pending?.preview) setScreen({ kind: 'loading', label: source, progress: null, startedAt: Date.now() });
    let progress: IngestProgress | null = null;
    // Over a first look, the header's percentage is redrawn at most every 250 ms: a redraw of a big tree
    // costs this thread what the verifying threads need of the CPU.
    let drawnAt = 0;
    const showProgress = (p: IngestProgress) => {
      progress = p;
      const now = Date.now();
      setScreen((s) => {
        if (s.kind === 'loading') return { ...s, progress: p };
        if (s.kind !== 'image' || s.verifying === undefined || now - drawnAt < 250) return s;
        drawnAt = now;
        return { ...s, verifying: p };
      });
    };
    // A first look while the layers are verified: shown at once, replaced by the verified image (or the
    // error). The open holds its own work on this thread back until the first look is drawn.
    const showPreview = (preview: ImageModel) => {
      setScreen((s) => (s.kind === 'loading' || (s.kind === 'image' && s.verifying !== undefined) ? { kind: 'image', model: preview, back, verifying: progress } : s));
      return new Promise<void>((resolve) => (previewDrawn.current = resolve));
    };
    try {
      pending?.onProgress(showProgress);
      pending?.onPreview(showPreview);
      const model = await (container ? io.openContainer(container) : pending ? pending.promise : io.openImage(source, showProgress, showPreview));
      setScreen({ kind: 'image', model, back, ...(container && { container }) });
    } catch (e) {
      lastError.current = (e as Error).message;
      // Opened from the command line: end as any command does (one line on stderr, exit 2).
      if (!fromList) return quit(2);
      setScreen({ kind: 'error', message: (e as Error).message });
    }
  };

  useEffect(() => {
    if (start.kind === 'image' && !start.pending?.model) void open(start.source, false, start.pending);
    if (start.kind === 'compare') {
      void (async () => {
        try {
          const a = await io.openImage(start.a, (p) => setScreen((s) => (s.kind === 'loading' ? { ...s, progress: p } : s)));
          const b = await io.openImage(start.b, (p) => setScreen((s) => (s.kind === 'loading' ? { ...s, progress: p } : s)));
          setScreen({ kind: 'compare', a, b });
        } catch (e) {
          lastError.current = (e as Error).message;
          quit(2);
        }
      })();
    }
  }, []);

  // A container in the layer view: when its changes move, its writable layer is gathered again (at most
  // every 2 s, one at a time) and the view shows the new one.
  const followed = screen.kind === 'image' ? (screen.container ?? null) : null;
  useEffect(() => {
    if (!followed) return;
    const detail = io.containerDetail(followed);
    let timer: NodeJS.Timeout | null = null;
    let busy = false;
    let again = false;
    let stopped = false;
    const rebuild = () => {
      timer = null;
      if (busy) return void (again = true);
      busy = true;
      io.openContainer(followed)
        .then((model) => !stopped && setScreen((s) => (s.kind === 'image' && s.container === followed ? { ...s, model } : s)))
        .catch(() => {}) // gone or unreachable: the view keeps the last layer it had
        .finally(() => {
          busy = false;
          if (again && !stopped) {
            again = false;
            timer ??= setTimeout(rebuild, 2000);
          }
        });
    };
    let first = true;
    const off = detail.feed.subscribe((u) => {
      // The feed's first answer is the state the view was opened with.
      if (first) return void (first = false);
      if (u && (u.appeared.length || u.changed.length || u.disappeared.length)) timer ??= setTimeout(rebuild, 2000);
    });
    return () => {
      stopped = true;
      off();
      if (timer) clearTimeout(timer);
      detail.feed.stop();
    };
  }, [followed]);

  // Screens without a key handler of their own (loading, error) still answer q and ctrl+c.
  useKeys(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c') || key.escape) quit(screen.kind === 'error' ? 2 : 0);
    },
    { isActive: screen.kind === 'loading' || screen.kind === 'error' },
  );

  /** The screen shown, laid out for `size`. */
  const renderScreen = (size: TerminalSize) => {
    switch (screen.kind) {
      case 'loading':
        return <Loading label={screen.label} progress={screen.progress} startedAt={screen.startedAt} width={size.columns} theme={theme} />;
      case 'error':
        return <ErrorScreen message={screen.message} width={size.columns} theme={theme} />;
      case 'image':
        return (
          <ImageView
            model={screen.model}
            store={io.store}
            keymap={keymap}
            theme={theme}
            size={size}
            sharedDiffIds={sharedDiffIds}
            onQuit={() => quit(0)}
            onBack={screen.back ? () => setScreen({ kind: screen.back! }) : undefined}
            onFrame={() => {
              onFrame?.();
              if (screen.verifying === undefined) return;
              previewDrawn.current?.();
              previewDrawn.current = null;
            }}
            onAnalysis={() => io.rememberAnalysis(screen.model)}
            verifying={screen.verifying}
          />
        );
      case 'compare':
        return <CompareScreen a={screen.a} b={screen.b} store={io.store} keymap={keymap} theme={theme} size={size} onQuit={() => quit(0)} />;
      case 'containers':
        return <ContainersScreen io={io} keymap={keymap} theme={theme} size={size} onQuit={() => quit(0)} onImages={() => setScreen({ kind: 'images' })} onOpen={(row) => void open(`container ${row.name}`, true, undefined, row.id)} />;
      case 'images':
        return <ImagesScreen io={io} keymap={keymap} theme={theme} size={size} onQuit={() => quit(0)} onOpen={(source) => void open(source, true)} onContainers={() => setScreen({ kind: 'containers' })} onAudit={(sources) => setScreen({ kind: 'audit', sources })} />;
      case 'audit':
        return <AuditScreen io={io} sources={screen.sources} keymap={keymap} theme={theme} size={size} onBack={() => setScreen({ kind: 'images' })} onQuit={() => quit(0)} />;
    }
  };

  // Below the smallest size every screen fits, say so; the screen stays mounted, hidden and laid out for
  // the last size that fitted, so it comes back as it was (cursor, folds, filter) once the terminal grows.
  const small = tooSmall(size);
  if (!small) fittedSize.current = size;
  if (small && !fittedSize.current) return <TooSmall size={size} onQuit={() => quit(0)} />;
  return (
    <>
      {small ? <TooSmall size={size} onQuit={() => quit(0)} /> : null}
      <Box display={small ? 'none' : 'flex'} flexDirection="column">
        {renderScreen(fittedSize.current!)}
      </Box>
    </>
  );
}

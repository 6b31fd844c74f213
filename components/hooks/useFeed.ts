import { useEffect, useState } from 'react';
import type { ChangeFeed } from '../../src/model/change-feed.js';

/**
 * Follows a change feed, redrawing at most every `frameMs` (a burst of changes is one frame, not one
 * render per event), and once a second so "recent" highlights fade.
 */
export function useFeed(feed: ChangeFeed | null, frameMs = 50): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!feed) return;
    let pending: NodeJS.Timeout | null = null;
    const off = feed.subscribe(() => {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        setTick((t) => t + 1);
      }, frameMs);
    });
    const fade = setInterval(() => setTick((t) => t + 1), 1000);
    return () => {
      off();
      if (pending) clearTimeout(pending);
      clearInterval(fade);
    };
  }, [feed, frameMs]);
  return tick;
}

import { useEffect, useState } from 'react';

/** The time now, refreshed every `everyMs` while mounted: for elapsed-time text on a screen that gets no other updates. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

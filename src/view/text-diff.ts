/** One line of a unified diff: kept (' '), only in A ('-'), only in B ('+'), or a hunk header ('@'). */
export interface DiffLine {
  mark: ' ' | '-' | '+' | '@';
  text: string;
}

/**
 * The shortest edit script between two line lists (Myers' O((N+M)D) algorithm), as kept / removed /
 * added lines in order. Written here: a unified diff of two small files is all fathom needs of a diff
 * library, and none can be installed on the machines this is built on. Gives up (null) past `maxEdits`
 * differing lines, where a diff stops being readable anyway.
 */
export function lineEdits(a: readonly string[], b: readonly string[], maxEdits = 2000): { mark: ' ' | '-' | '+'; text: string }[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(next);
        return backtrack(trace, a, b, offset, d);
      }
    }
    v = next;
  }
  return null;
}

function backtrack(trace: Int32Array[], a: readonly string[], b: readonly string[], offset: number, depth: number): { mark: ' ' | '-' | '+'; text: string }[] {
  const out: { mark: ' ' | '-' | '+'; text: string }[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = depth; d >= 0; d--) {
    const v = trace[d];
    const k = x - y;
    const prevK = d === 0 ? 0 : k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : v[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) out.push({ mark: ' ', text: a[--x] }) && y--;
    if (d > 0) {
      if (x === prevX) out.push({ mark: '+', text: b[--y] });
      else out.push({ mark: '-', text: a[--x] });
    }
  }
  while (x > 0 && y > 0) out.push({ mark: ' ', text: a[--x] }) && y--;
  return out.reverse();
}

/** A unified diff (`diff -u`'s hunks, three lines of context); null when too different to show. */
export function unifiedDiff(a: readonly string[], b: readonly string[], context = 3): DiffLine[] | null {
  const edits = lineEdits(a, b);
  if (!edits) return null;
  const out: DiffLine[] = [];
  let ia = 0;
  let ib = 0;
  const positions = edits.map((e) => {
    const at = { ia, ib };
    if (e.mark !== '+') ia++;
    if (e.mark !== '-') ib++;
    return at;
  });
  for (let i = 0; i < edits.length; ) {
    if (edits[i].mark === ' ') {
      i++;
      continue;
    }
    let start = Math.max(0, i - context);
    let end = i;
    // A hunk runs on while the next change is within twice the context.
    for (let j = i; j < edits.length; j++) {
      if (edits[j].mark !== ' ') end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(edits.length, end + context + 1);
    const lenA = edits.slice(start, stop).filter((e) => e.mark !== '+').length;
    const lenB = edits.slice(start, stop).filter((e) => e.mark !== '-').length;
    // As GNU diff writes ranges: "5" for one line, "4,0" (the line before) for none.
    const range = (from: number, len: number) => (len === 1 ? `${from + 1}` : `${len === 0 ? from : from + 1},${len}`);
    out.push({ mark: '@', text: `@@ -${range(positions[start].ia, lenA)} +${range(positions[start].ib, lenB)} @@` });
    for (; start < stop; start++) out.push(edits[start]);
    i = stop;
  }
  return out;
}

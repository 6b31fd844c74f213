/** "/bin/sh -c #(nop)  ENV X=1" → "ENV X=1"; "/bin/sh -c apt-get update" → "RUN apt-get update" (as `docker history` readers expect). */
export function instructionText(createdBy: string, comment: string | null = null): string {
  const s = createdBy.trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(s);
  if (nop) return nop[1].trim();
  const run = /^\/bin\/sh -c (.*)$/s.exec(s);
  if (run) return `RUN ${run[1].trim()}`;
  if (/^\|\d+ /.test(s)) return `RUN ${s.replace(/^\|\d+ (\S+=\S+ )*/, '').replace(/^\/bin\/sh -c /, '')}`;
  return s || madeHow(comment);
}

/** For a layer with no instruction: how it was made, its comment (a base layer's "Imported from -"), if any. */
function madeHow(comment: string | null): string {
  return comment?.trim() ? `(${comment.trim()})` : '(no instruction recorded)';
}

/**
 * The whole instruction as recorded (for the line under the layers, where there is room to wrap it), or
 * for a layer with none, how it was made: its comment, as `docker history` shows it in its own column.
 */
export function recordedInstruction(createdBy: string, comment: string | null = null): string {
  return createdBy.replace(/\s+/g, ' ').trim() || madeHow(comment);
}

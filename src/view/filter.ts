/**
 * The files filter as typed: a regular expression, bare (`debian_version$`) or written the way vim and
 * dive users write one (`/\.so$/i`, flags after the closing slash). `shown` is how the header names it,
 * always once between slashes, however it was typed.
 */
export function parseFilter(text: string): { re: RegExp | null; error: string | null; shown: string } {
  if (!text) return { re: null, error: null, shown: '' };
  const delimited = /^\/(.+)\/([dgimsuy]*)$/.exec(text);
  const [body, flags] = delimited ? [delimited[1], delimited[2].replace(/[gy]/g, '')] : [text, ''];
  const shown = `/${body}/${flags}`;
  try {
    return { re: new RegExp(body, flags), error: null, shown };
  } catch (e) {
    return { re: null, error: `bad filter: ${(e as Error).message}`, shown };
  }
}

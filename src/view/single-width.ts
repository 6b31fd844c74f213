/**
 * Printable ASCII plus the one-column symbols fathom draws itself (tree guides, arrows, markers, gauge
 * blocks): each is one column wide and a grapheme of its own (none joins the next into a cluster).
 * (test/unit/text-width.test.ts checks each against string-width.)
 */
export const SINGLE_WIDTH_CHAR = '[\\x20-\\x7e\\u2500-\\u257f\\u2190-\\u2193\\u2026\\u25cf\\u25c6\\u25c7\\u25b6\\u2295\\u00b7\\u2588\\u2591\\u258c]';

/** A string of only these is as wide as it is long, so the costly Unicode width lookup is skipped: every tree row has guides. */
export const SINGLE_WIDTH = new RegExp(`^${SINGLE_WIDTH_CHAR}*$`);

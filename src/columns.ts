/** The typed arrays fathom keeps columns in. */
export type Column = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

/** A copy of `column` with room for `length` values: what a growing column is moved into. */
export function widen<T extends Column>(column: T, length: number): T {
  const wider = new (column.constructor as new (n: number) => T)(length);
  wider.set(column);
  return wider;
}

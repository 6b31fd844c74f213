/** What one layer does to the image, as figures: they depend only on the layers, so the store keeps them. */
export interface LayerFigures {
  added: number;
  modified: number;
  removed: number;
  /** Bytes of this layer's files that later layers delete or overwrite (shipped, never seen). */
  shadowedBytes: number;
  /** Bytes this layer hides with `.wh.` whiteouts and with opaque directories. */
  removedByWhiteoutBytes: number;
  removedByOpaqueBytes: number;
}

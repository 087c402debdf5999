/** An image fetched from a URL and uploaded to the homeserver's media repository. */
export interface ImportedImage {
  mxc: string;
  /** Sniffed from the bytes: image/png, image/jpeg, image/gif or image/webp. */
  mimetype: string;
  size: number;
  width: number;
  height: number;
}

/** The outcome of importing one URL: the image, or why there is none (a short code, never the URL). */
export type ImageImport = { image: ImportedImage } | { refused: string };

/**
 * Images by URL (in messages, posts, comments), fetched safely and uploaded once per URL. Called
 * by the outbox when it sends an image and by the web media route on a reader's first request.
 * Resolves an image fetched earlier without fetching it again (also after a restart); a refused
 * or failed fetch is answered from memory of it for a short while, then tried again. Never throws
 * for a bad URL or an unreachable host; rejects only when the store or the upload fails.
 */
export interface ImageImports {
  imported(url: string): Promise<ImageImport>;
}

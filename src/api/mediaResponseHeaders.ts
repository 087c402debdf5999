/**
 * Media types a browser may render inline from Mirage's origin: raster images, audio and video.
 * Nothing that can run script or load other resources (SVG, HTML, XML, JavaScript, PDF…).
 */
export const INLINE_MEDIA_TYPES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/apng",
  "audio/mpeg",
  "audio/mp4",
  "audio/aac",
  "audio/ogg",
  "audio/webm",
  "audio/flac",
  "audio/wav",
  "video/mp4",
  "video/webm",
  "video/ogg",
  "video/quicktime",
]);

/** Headers every answer of the media route carries, errors included. */
export const MEDIA_SAFETY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; sandbox",
};

/**
 * The headers for a media body, built from Mirage's own policy: the upstream type passes only
 * when it is in {@link INLINE_MEDIA_TYPES} (without parameters); anything else, or nothing, is
 * served as an `application/octet-stream` attachment. No other upstream header is used.
 * `private` media (readable by some people only) is kept out of shared caches and other sites' pages.
 */
export function mediaResponseHeaders(
  upstreamType: string | undefined,
  contentLength: number,
  cacheMaxAgeSeconds: number,
  options: { private?: boolean } = {},
): Record<string, string> {
  const essence = upstreamType?.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  const inline = INLINE_MEDIA_TYPES.has(essence);
  return {
    ...MEDIA_SAFETY_HEADERS,
    "content-type": inline ? essence : "application/octet-stream",
    "content-disposition": inline ? "inline" : "attachment",
    "content-length": String(contentLength),
    "accept-ranges": "bytes",
    ...(options.private
      ? { "cache-control": `private, max-age=${cacheMaxAgeSeconds}`, "cross-origin-resource-policy": "same-origin" }
      : {
          "cache-control": `public, max-age=${cacheMaxAgeSeconds}, immutable`,
          // Public, anonymous content meant to be embedded by Mirage's web clients, wherever they are served from.
          "cross-origin-resource-policy": "cross-origin",
        }),
  };
}

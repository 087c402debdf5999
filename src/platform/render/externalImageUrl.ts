import { createHmac, timingSafeEqual } from "node:crypto";

/** An http(s) image URL → where Mirage's web pages load it from instead. */
export type ExternalImageUrl = (url: string) => string;

/** The path under the public URL that serves images by URL from Mirage's copy. */
export const EXTERNAL_MEDIA_PATH = "/media/external";

/** The signature of an image URL: only URLs Mirage put into its own pages are fetched by the media route. */
export function externalImageSignature(key: string, url: string): string {
  return createHmac("sha256", key).update(url).digest("base64url");
}

/** Whether `signature` is `url`'s, compared in constant time. */
export function externalImageSignatureMatches(key: string, url: string, signature: string): boolean {
  const expected = Buffer.from(externalImageSignature(key, url));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Image links for pages: an external image as `<publicUrl>/media/external/<signature>?url=<url>`,
 * so readers' browsers never contact the image's host; Mirage's own `/media/…` URLs stay as they are.
 */
export function externalImageUrlUnder(publicUrl: string, key: string): ExternalImageUrl {
  const base = publicUrl.replace(/\/+$/, "");
  return (url) => {
    if (url.startsWith(`${base}/media/`)) return url;
    return `${base}${EXTERNAL_MEDIA_PATH}/${externalImageSignature(key, url)}?url=${encodeURIComponent(url)}`;
  };
}

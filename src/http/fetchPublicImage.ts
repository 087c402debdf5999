import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { isPublicAddress } from "./isPublicAddress.js";

/** Image types fetched: raster formats browsers and Matrix clients show (no SVG: it can carry script). */
const IMAGE_TYPES: Record<string, (head: Buffer) => boolean> = {
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/gif": (b) => b.subarray(0, 4).toString("latin1") === "GIF8",
  "image/webp": (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
};

const MAX_REDIRECTS = 3;

export interface PublicImageOptions {
  maxBytes: number;
  /** For the whole fetch, redirects included. */
  timeoutMs: number;
  /** Which resolved addresses may be connected to (default: public unicast only). */
  isAllowedAddress?: (address: string) => boolean;
  /** Trusted CA certificates instead of the system's (a private test server). */
  ca?: string | Buffer;
}

export interface PublicImage {
  bytes: Buffer;
  contentType: string;
}

/**
 * Why a fetch was not done or not used. `statusCode` classifies it for retrying queues: 400 for a
 * definite refusal (not https, a private address, not an image, too large), 502 for what may pass
 * later (the remote server failed, timed out or could not be reached). `errcode` is a short code.
 */
export class ImageFetchError extends Error {
  constructor(
    readonly statusCode: 400 | 502,
    readonly errcode: string,
    message: string,
  ) {
    super(message);
    this.name = "ImageFetchError";
  }
}

/**
 * Fetches an image from a URL a user gave, without letting that URL reach inside the network:
 * https only, no credentials in the URL, every resolved address checked at connect time (the
 * address checked is the one connected to, so a DNS answer cannot change in between), a few
 * redirects each checked the same way, a size cap enforced while reading, an overall timeout,
 * and a content type from a short list of raster images that the first bytes must match.
 */
export async function fetchPublicImage(rawUrl: string, options: PublicImageOptions): Promise<PublicImage> {
  const allowed = options.isAllowedAddress ?? isPublicAddress;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let url = checkedUrl(rawUrl, allowed);
  for (let redirects = 0; ; redirects++) {
    const response = await get(url, allowed, options, deadline);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (redirects >= MAX_REDIRECTS) throw new ImageFetchError(400, "TOO_MANY_REDIRECTS", "too many redirects");
      url = checkedUrl(new URL(response.headers.location, url).href, allowed);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new ImageFetchError(status >= 500 || status === 429 ? 502 : 400, "REMOTE_STATUS", `the server answered ${status}`);
    }
    return readImage(response, options.maxBytes, deadline);
  }
}

function checkedUrl(raw: string, allowed: (address: string) => boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ImageFetchError(400, "BAD_URL", "not a URL");
  }
  if (url.protocol !== "https:") throw new ImageFetchError(400, "NOT_HTTPS", "only https URLs are fetched");
  if (url.username !== "" || url.password !== "") throw new ImageFetchError(400, "BAD_URL", "credentials in the URL");
  // An address literal is connected to without a lookup: check it here.
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0 && !allowed(host)) throw new ImageFetchError(400, "PRIVATE_ADDRESS", "the address is not public");
  return url;
}

function get(url: URL, allowed: (address: string) => boolean, options: PublicImageOptions, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      {
        signal,
        lookup: checkedLookup(allowed),
        headers: { accept: Object.keys(IMAGE_TYPES).join(", "), "user-agent": "Mirage" },
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        agent: false,
      },
      resolve,
    );
    request.on("error", (error) => reject(asFetchError(error)));
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** `dns.lookup` that refuses a host when any of its addresses is not allowed. */
function checkedLookup(allowed: (address: string) => boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (addresses.length === 0 || addresses.some((a) => !allowed(a.address))) {
        return callback(new ImageFetchError(400, "PRIVATE_ADDRESS", "the host resolves to an address that is not public") as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

async function readImage(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<PublicImage> {
  const contentType = (response.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const matches = IMAGE_TYPES[contentType];
  if (!matches) {
    response.destroy();
    throw new ImageFetchError(400, "NOT_AN_IMAGE", "not a supported image type");
  }
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw new ImageFetchError(400, "TOO_LARGE", "the image is too large");
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        throw new ImageFetchError(400, "TOO_LARGE", "the image is too large");
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw signal.aborted ? new ImageFetchError(502, "TIMEOUT", "the fetch timed out") : asFetchError(error);
  }
  const bytes = Buffer.concat(chunks);
  if (!matches(bytes)) throw new ImageFetchError(400, "NOT_AN_IMAGE", "the content is not the image type it claims");
  return { bytes, contentType };
}

function asFetchError(error: unknown): ImageFetchError {
  if (error instanceof ImageFetchError) return error;
  const name = (error as { name?: string }).name;
  if (name === "AbortError" || name === "TimeoutError") return new ImageFetchError(502, "TIMEOUT", "the fetch timed out");
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof ImageFetchError) return cause;
  return new ImageFetchError(502, "UNREACHABLE", "the image server could not be reached");
}

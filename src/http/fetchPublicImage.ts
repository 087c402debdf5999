import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { readImageHeader, sniffImageType, SNIFF_BYTES } from "./imageHeader.js";
import { isPublicAddress } from "./isPublicAddress.js";

/** Image types fetched: raster formats browsers and Matrix clients show (no SVG: it can carry script). */
const ACCEPT = "image/png, image/jpeg, image/gif, image/webp";

const MAX_REDIRECTS = 3;

export interface PublicImageOptions {
  maxBytes: number;
  /** For the whole fetch, redirects included. */
  timeoutMs: number;
  /** Which resolved addresses may be connected to (default: public unicast only). */
  isAllowedAddress?: (address: string) => boolean;
  /** Trusted CA certificates instead of the system's (a private test server). */
  ca?: string | Buffer;
  /** Resolves a host name to all its addresses (default: the system's resolver); tests inject answers. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
  /**
   * For tests only: hosts (`host` or `host:port`) fetched whatever their addresses, over http too,
   * e.g. a test server on 127.0.0.1.
   */
  allowlist?: readonly string[];
}

export interface PublicImage {
  bytes: Buffer;
  /** Sniffed from the bytes, never taken from the server's word. */
  contentType: string;
  /** Pixel size, from the image's header. */
  width: number;
  height: number;
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
 * the type sniffed from the first bytes (PNG, JPEG, GIF or WebP; anything else is dropped after
 * them) and the pixel size read from the header. Hosts in `allowlist` skip the address checks.
 */
export async function fetchPublicImage(rawUrl: string, options: PublicImageOptions): Promise<PublicImage> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let url = checkedUrl(rawUrl, options);
  for (let redirects = 0; ; redirects++) {
    const response = await get(url, options, deadline);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (redirects >= MAX_REDIRECTS) throw new ImageFetchError(400, "TOO_MANY_REDIRECTS", "too many redirects");
      url = checkedUrl(new URL(response.headers.location, url).href, options);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new ImageFetchError(status >= 500 || status === 429 ? 502 : 400, "REMOTE_STATUS", `the server answered ${status}`);
    }
    return readImage(response, options.maxBytes, deadline);
  }
}

/** Whether the URL's host is allowlisted (for tests): by `host:port`, or by host name for any port. */
function isAllowlisted(url: URL, options: PublicImageOptions): boolean {
  const list = options.allowlist ?? [];
  return list.includes(url.host) || list.includes(url.hostname);
}

/** Which addresses a connection to `url` may reach. */
function addressRule(url: URL, options: PublicImageOptions): (address: string) => boolean {
  return isAllowlisted(url, options) ? () => true : (options.isAllowedAddress ?? isPublicAddress);
}

function checkedUrl(raw: string, options: PublicImageOptions): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ImageFetchError(400, "BAD_URL", "not a URL");
  }
  // The WHATWG parser has already turned decimal, octal and hex IPv4 spellings into dotted form.
  const plainHttpAllowed = url.protocol === "http:" && isAllowlisted(url, options);
  if (url.protocol !== "https:" && !plainHttpAllowed) throw new ImageFetchError(400, "NOT_HTTPS", "only https URLs are fetched");
  if (url.username !== "" || url.password !== "") throw new ImageFetchError(400, "BAD_URL", "credentials in the URL");
  // An address literal is connected to without a lookup: check it here.
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0 && !addressRule(url, options)(host)) throw new ImageFetchError(400, "PRIVATE_ADDRESS", "the address is not public");
  return url;
}

function get(url: URL, options: PublicImageOptions, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "http:" ? http : https).get(
      url,
      {
        signal,
        lookup: checkedLookup(addressRule(url, options), options.resolve ?? systemResolve),
        headers: { accept: ACCEPT, "user-agent": "Mirage" },
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        agent: false,
      },
      resolve,
    );
    request.on("error", (error) => reject(asFetchError(error)));
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function systemResolve(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
}

/**
 * A socket `lookup` that refuses a host when any of its addresses is not allowed. The socket
 * connects to an address it returns, so the address checked is the one connected to (pinned).
 */
function checkedLookup(allowed: (address: string) => boolean, resolve: (hostname: string) => Promise<LookupAddress[]>) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0 || addresses.some((a) => !allowed(a.address))) {
          return callback(new ImageFetchError(400, "PRIVATE_ADDRESS", "the host resolves to an address that is not public") as NodeJS.ErrnoException, []);
        }
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}

async function readImage(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<PublicImage> {
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
      // Whatever the server declared, the first bytes decide; a page or an SVG is dropped right there.
      if (size >= SNIFF_BYTES && size - chunk.length < SNIFF_BYTES && sniffImageType(Buffer.concat(chunks)) === undefined) {
        response.destroy();
        throw new ImageFetchError(400, "NOT_AN_IMAGE", "not a supported image type");
      }
    }
  } catch (error) {
    throw signal.aborted ? new ImageFetchError(502, "TIMEOUT", "the fetch timed out") : asFetchError(error);
  }
  const bytes = Buffer.concat(chunks);
  const header = readImageHeader(bytes);
  if (header === undefined) throw new ImageFetchError(400, "NOT_AN_IMAGE", "not a supported image, or its header is unreadable");
  return { bytes, contentType: header.mimetype, width: header.width, height: header.height };
}

function asFetchError(error: unknown): ImageFetchError {
  if (error instanceof ImageFetchError) return error;
  const name = (error as { name?: string }).name;
  if (name === "AbortError" || name === "TimeoutError") return new ImageFetchError(502, "TIMEOUT", "the fetch timed out");
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof ImageFetchError) return cause;
  return new ImageFetchError(502, "UNREACHABLE", "the image server could not be reached");
}

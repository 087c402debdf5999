import { isIPv4, isIPv6 } from "node:net";

/**
 * Where a log-in attempt comes from, as the throttle counts it: an IPv4 address, or the /64 an
 * IPv6 address belongs to (one subscriber usually holds a whole /64, so counting single IPv6
 * addresses would let one attacker be millions of sources).
 */
export function loginSource(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).join(":")}::/64`;
}

/** The eight hextets of an IPv6 address (zone dropped, embedded IPv4 folded), lowercase, unpadded. */
function expandIPv6(ip: string): string[] {
  let text = ip.split("%")[0]!.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((part) => Number.parseInt(part, 16).toString(16));
}

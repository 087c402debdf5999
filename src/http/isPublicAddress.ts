import { BlockList, isIPv4, isIPv6 } from "node:net";

/** IPv4 ranges that are not public unicast (RFC 6890 special-purpose, multicast, reserved). */
const V4_SPECIAL: ReadonlyArray<[string, number]> = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

/** Inside global unicast (2000::/3), the ranges that are documentation or tunnel other addresses. */
const V6_SPECIAL: ReadonlyArray<[string, number]> = [
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  // Documentation (RFC 9637).
  ["3fff::", 20],
];

const v4Blocked = new BlockList();
for (const [net, prefix] of V4_SPECIAL) v4Blocked.addSubnet(net, prefix, "ipv4");
const v6Global = new BlockList();
v6Global.addSubnet("2000::", 3, "ipv6");
const v6Blocked = new BlockList();
for (const [net, prefix] of V6_SPECIAL) v6Blocked.addSubnet(net, prefix, "ipv6");

/**
 * Whether an IP address is public unicast: not loopback, private, link-local, shared, multicast,
 * documentation or reserved. IPv6 must be global unicast outside tunnels and documentation; an
 * IPv4-mapped IPv6 address is judged as its IPv4 address.
 */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return !v4Blocked.check(address, "ipv4");
  if (!isIPv6(address)) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  return v6Global.check(address, "ipv6") && !v6Blocked.check(address, "ipv6");
}

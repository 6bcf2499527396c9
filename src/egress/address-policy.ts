import { embeddedIpv4, formatIp, inCidr, parseCidr, parseIp, type Cidr, type IpAddress } from "./ip";

/**
 * Which addresses hookrelay may open a connection to. Webhook URLs are chosen by customers, so
 * anyone could otherwise make our workers talk to the metadata service, Redis on loopback or
 * the office network. Pure: the same answer for the same address, no I/O.
 *
 * Everything that is not globally reachable unicast is refused. IPv6 forms that carry an IPv4
 * address (mapped, NAT64, 6to4, IPv4-compatible) are judged by the address they carry.
 */
export type RefusalReason =
  | "unspecified"
  | "loopback"
  | "private"
  | "link_local"
  | "cgnat"
  | "metadata"
  | "multicast"
  | "broadcast"
  | "documentation"
  | "benchmark"
  | "reserved"
  | "invalid";

export type AddressVerdict =
  | { allowed: true; address: string; allowlisted: boolean }
  | { allowed: false; address: string; reason: RefusalReason; range: string };

export interface AddressPolicy {
  check(address: string): AddressVerdict;
}

type Rule = { cidr: Cidr; reason: RefusalReason };

const rules = (reason: RefusalReason, ...cidrs: string[]): Rule[] => cidrs.map((text) => ({ cidr: parseCidr(text)!, reason }));

/** First match wins: the specific ranges (metadata) come before the ones that contain them. */
const IPV4_RULES: Rule[] = [
  // AWS/GCP/Azure/OpenStack IMDS, ECS task credentials, EKS pod identity, Alibaba, Azure WireServer, Oracle.
  ...rules("metadata", "169.254.169.254/32", "169.254.170.2/32", "169.254.170.23/32", "100.100.100.200/32", "168.63.129.16/32", "192.0.0.192/32"),
  // Linux connects 0.0.0.0 to the local host.
  ...rules("unspecified", "0.0.0.0/8"),
  ...rules("loopback", "127.0.0.0/8"),
  ...rules("private", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
  ...rules("cgnat", "100.64.0.0/10"),
  ...rules("link_local", "169.254.0.0/16"),
  ...rules("documentation", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"),
  ...rules("benchmark", "198.18.0.0/15"),
  ...rules("multicast", "224.0.0.0/4"),
  ...rules("broadcast", "255.255.255.255/32"),
  // IETF protocol assignments (DS-Lite, NAT64 discovery…), the 6to4 relay anycast, class E.
  ...rules("reserved", "192.0.0.0/24", "192.88.99.0/24", "240.0.0.0/4"),
];

const IPV6_RULES: Rule[] = [
  ...rules("unspecified", "::/128"),
  ...rules("loopback", "::1/128"),
  ...rules("metadata", "fd00:ec2::254/128"),
  // Local-use NAT64 (RFC 8215) translates into the operator's own networks.
  ...rules("private", "64:ff9b:1::/48", "fc00::/7", "fec0::/10"),
  ...rules("link_local", "fe80::/10"),
  ...rules("multicast", "ff00::/8"),
  ...rules("documentation", "2001:db8::/32", "3fff::/20"),
  ...rules("benchmark", "2001:2::/48"),
  // Discard-only, IETF protocol assignments (Teredo, ORCHID…), SRv6 SIDs.
  ...rules("reserved", "100::/64", "2001::/23", "5f00::/16"),
];

/** Where an IPv6 address carries an IPv4 one, and whether a public IPv4 there is fine. */
const EMBEDDINGS: { cidr: Cidr; offset: number; publicAllowed: boolean }[] = [
  { cidr: parseCidr("::ffff:0:0/96")!, offset: 12, publicAllowed: true }, // IPv4-mapped: the same host
  { cidr: parseCidr("64:ff9b::/96")!, offset: 12, publicAllowed: true }, // NAT64 well-known prefix
  { cidr: parseCidr("2002::/16")!, offset: 2, publicAllowed: true }, // 6to4
  // Deprecated forms nobody should publish: refused whatever they carry.
  { cidr: parseCidr("::/96")!, offset: 12, publicAllowed: false }, // IPv4-compatible
  { cidr: parseCidr("::ffff:0:0:0/96")!, offset: 12, publicAllowed: false }, // IPv4-translated (SIIT)
];

const GLOBAL_UNICAST_V6 = parseCidr("2000::/3")!;

/**
 * What an address is, ignoring any allowlist: null for globally reachable unicast, otherwise
 * why it is refused and the range that says so.
 */
export function classifyAddress(ip: IpAddress): { reason: RefusalReason; range: string } | null {
  if (ip.family === 4) return firstRule(ip, IPV4_RULES);
  const direct = firstRule(ip, IPV6_RULES);
  if (direct) return direct;
  for (const e of EMBEDDINGS) {
    if (!inCidr(ip, e.cidr)) continue;
    const inner = classifyAddress(embeddedIpv4(ip, e.offset));
    if (inner) return { reason: inner.reason, range: `${inner.range} inside ${e.cidr.text}` };
    return e.publicAllowed ? null : { reason: "reserved", range: e.cidr.text };
  }
  return inCidr(ip, GLOBAL_UNICAST_V6) ? null : { reason: "reserved", range: "outside 2000::/3" };
}

/**
 * The policy in force: `allow` (the operator's CIDRs) overrides every refusal, e.g. loopback
 * for local development. An IPv4-mapped address is allowlisted by its IPv4 address too, since
 * it reaches the same host.
 */
export function createAddressPolicy(allow: readonly Cidr[]): AddressPolicy {
  const allowlisted = (ip: IpAddress) =>
    allow.some((c) => inCidr(ip, c)) || (inCidr(ip, EMBEDDINGS[0]!.cidr) && allow.some((c) => inCidr(embeddedIpv4(ip, 12), c)));
  return {
    check(address) {
      const ip = parseIp(address);
      if (!ip) return { allowed: false, address, reason: "invalid", range: "not an IP address" };
      const normalized = formatIp(ip);
      if (allowlisted(ip)) return { allowed: true, address: normalized, allowlisted: true };
      const refusal = classifyAddress(ip);
      return refusal ? { allowed: false, address: normalized, ...refusal } : { allowed: true, address: normalized, allowlisted: false };
    },
  };
}

/** Words for messages: "a loopback address". */
export function describeRefusal(reason: RefusalReason): string {
  const words: Record<RefusalReason, string> = {
    unspecified: "an unspecified (0.0.0.0 / ::) address",
    loopback: "a loopback address",
    private: "a private-network address",
    link_local: "a link-local address",
    cgnat: "a carrier-grade NAT (shared) address",
    metadata: "a cloud metadata service address",
    multicast: "a multicast address",
    broadcast: "the broadcast address",
    documentation: "a documentation-only address",
    benchmark: "a benchmarking-only address",
    reserved: "a reserved, not publicly routable address",
    invalid: "not a valid IP address",
  };
  return words[reason];
}

function firstRule(ip: IpAddress, list: Rule[]): { reason: RefusalReason; range: string } | null {
  const hit = list.find((r) => inCidr(ip, r.cidr));
  return hit ? { reason: hit.reason, range: hit.cidr.text } : null;
}

import { createAddressPolicy, type RefusalReason } from "../../../src/egress/address-policy";
import { parseCidr } from "../../../src/egress/ip";

const guard = createAddressPolicy([]);
const cidrs = (...texts: string[]) => texts.map((t) => parseCidr(t)!);

/** Each refused range at its first and last address, and a few inside. */
const REFUSED: [string, RefusalReason][] = [
  // IPv4
  ["0.0.0.0", "unspecified"],
  ["0.255.255.255", "unspecified"],
  ["127.0.0.1", "loopback"],
  ["127.0.0.0", "loopback"],
  ["127.255.255.255", "loopback"],
  ["10.0.0.0", "private"],
  ["10.0.0.5", "private"],
  ["10.255.255.255", "private"],
  ["172.16.0.0", "private"],
  ["172.31.255.255", "private"],
  ["192.168.0.0", "private"],
  ["192.168.255.255", "private"],
  ["100.64.0.0", "cgnat"],
  ["100.127.255.255", "cgnat"],
  ["169.254.0.0", "link_local"],
  ["169.254.255.255", "link_local"],
  ["169.254.169.254", "metadata"],
  ["169.254.170.2", "metadata"],
  ["100.100.100.200", "metadata"],
  ["168.63.129.16", "metadata"],
  ["224.0.0.0", "multicast"],
  ["239.255.255.255", "multicast"],
  ["255.255.255.255", "broadcast"],
  ["240.0.0.0", "reserved"],
  ["255.255.255.254", "reserved"],
  ["192.0.0.8", "reserved"],
  ["192.88.99.1", "reserved"],
  ["192.0.2.0", "documentation"],
  ["198.51.100.255", "documentation"],
  ["203.0.113.7", "documentation"],
  ["198.18.0.0", "benchmark"],
  ["198.19.255.255", "benchmark"],
  // IPv6
  ["::", "unspecified"],
  ["::1", "loopback"],
  ["0:0:0:0:0:0:0:1", "loopback"],
  ["fc00::", "private"],
  ["fd12:3456:789a::1", "private"],
  ["fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private"],
  ["fd00:ec2::254", "metadata"],
  ["fec0::1", "private"],
  ["fe80::", "link_local"],
  ["fe80::1%eth0", "link_local"],
  ["febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link_local"],
  ["ff02::1", "multicast"],
  ["ff00::", "multicast"],
  ["2001:db8::1", "documentation"],
  ["3fff::1", "documentation"],
  ["3fff:fff:ffff::", "documentation"],
  ["2001:2::1", "benchmark"],
  ["2001::1", "reserved"], // Teredo
  ["2001:1ff:ffff:ffff::", "reserved"],
  ["100::1", "reserved"], // discard-only
  ["5f00::1", "reserved"],
  ["4000::1", "reserved"], // not global unicast
  ["1fff:ffff::", "reserved"],
  // IPv4 inside IPv6: mapped, NAT64, 6to4, IPv4-compatible, IPv4-translated
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:10.0.0.5", "private"],
  ["::ffff:169.254.169.254", "metadata"],
  ["::ffff:0.0.0.0", "unspecified"],
  ["64:ff9b::127.0.0.1", "loopback"],
  ["64:ff9b::a00:5", "private"],
  ["64:ff9b::a9fe:a9fe", "metadata"],
  ["64:ff9b:1::8.8.8.8", "private"], // local-use NAT64 prefix
  ["64:ff9b:1:ffff::", "private"],
  ["2002:7f00:1::", "loopback"],
  ["2002:c0a8:101::1", "private"],
  ["2002:a9fe:a9fe::1", "metadata"],
  ["::127.0.0.1", "loopback"],
  ["::8.8.8.8", "reserved"], // IPv4-compatible is deprecated whatever it carries
  ["::ffff:0:7f00:1", "loopback"],
  ["::ffff:0:808:808", "reserved"],
];

/** Just outside each range, and ordinary public addresses in all their forms. */
const ALLOWED = [
  "1.0.0.0",
  "126.255.255.255",
  "128.0.0.0",
  "9.255.255.255",
  "11.0.0.0",
  "172.15.255.255",
  "172.32.0.0",
  "192.167.255.255",
  "192.169.0.0",
  "100.63.255.255",
  "100.128.0.0",
  "169.253.255.255",
  "169.255.0.0",
  "168.63.129.17",
  "223.255.255.255",
  "198.17.255.255",
  "198.20.0.0",
  "192.0.1.255",
  "192.0.3.0",
  "8.8.8.8",
  "93.184.216.34",
  "2606:4700:4700::1111",
  "2001:4860:4860::8888",
  "2001:200::1", // first address after 2001::/23
  "2001:db9::1",
  "3fff:1000::1",
  "2000::",
  "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  "::ffff:8.8.8.8",
  "64:ff9b::8.8.8.8",
  "2002:808:808::1",
];

describe("the egress address policy without an allowlist", () => {
  it.each(REFUSED)("refuses %s as %s", (address, reason) => {
    const verdict = guard.check(address);
    expect(verdict).toMatchObject({ allowed: false, reason });
  });

  it.each(ALLOWED)("allows the public address %s", (address) => {
    expect(guard.check(address)).toEqual({ allowed: true, address: expect.any(String), allowlisted: false });
  });

  it("names the range that refused an address, including the IPv6 form it was found in", () => {
    expect(guard.check("10.1.2.3")).toEqual({ allowed: false, address: "10.1.2.3", reason: "private", range: "10.0.0.0/8" });
    expect(guard.check("::ffff:7f00:1")).toEqual({ allowed: false, address: "::ffff:7f00:1", reason: "loopback", range: "127.0.0.0/8 inside ::ffff:0:0/96" });
    expect(guard.check("2002:a9fe:a9fe::1")).toMatchObject({ range: "169.254.169.254/32 inside 2002::/16" });
  });

  it("refuses anything that is not an IP address", () => {
    expect(guard.check("example.com")).toMatchObject({ allowed: false, reason: "invalid" });
    expect(guard.check("127.1")).toMatchObject({ allowed: false, reason: "invalid" });
  });
});

describe("the egress address policy with an operator allowlist", () => {
  it("allows loopback in both families when loopback is allowlisted, and nothing else it would refuse", () => {
    const dev = createAddressPolicy(cidrs("127.0.0.0/8", "::1/128"));
    expect(dev.check("127.0.0.1")).toEqual({ allowed: true, address: "127.0.0.1", allowlisted: true });
    expect(dev.check("127.255.255.255")).toMatchObject({ allowed: true, allowlisted: true });
    expect(dev.check("::1")).toMatchObject({ allowed: true, allowlisted: true });
    expect(dev.check("10.0.0.1")).toMatchObject({ allowed: false, reason: "private" });
    expect(dev.check("169.254.169.254")).toMatchObject({ allowed: false, reason: "metadata" });
    expect(dev.check("8.8.8.8")).toEqual({ allowed: true, address: "8.8.8.8", allowlisted: false });
  });

  it("allows an IPv4-mapped address by its IPv4 address (the same host), but not a NAT64 one (another host)", () => {
    const dev = createAddressPolicy(cidrs("127.0.0.0/8"));
    expect(dev.check("::ffff:127.0.0.1")).toMatchObject({ allowed: true, allowlisted: true });
    expect(dev.check("64:ff9b::7f00:1")).toMatchObject({ allowed: false, reason: "loopback" });
  });

  it("allows exactly the allowlisted subnet, up to its boundaries", () => {
    const office = createAddressPolicy(cidrs("10.1.0.0/16", "fd00:1::/32"));
    expect(office.check("10.1.0.0")).toMatchObject({ allowed: true });
    expect(office.check("10.1.255.255")).toMatchObject({ allowed: true });
    expect(office.check("10.0.255.255")).toMatchObject({ allowed: false, reason: "private" });
    expect(office.check("10.2.0.0")).toMatchObject({ allowed: false, reason: "private" });
    expect(office.check("fd00:1:ffff::1")).toMatchObject({ allowed: true });
    expect(office.check("fd00:2::1")).toMatchObject({ allowed: false, reason: "private" });
  });

  it("overrides even the metadata ranges: the allowlist is the operator's word", () => {
    expect(createAddressPolicy(cidrs("169.254.169.254")).check("169.254.169.254")).toMatchObject({ allowed: true, allowlisted: true });
  });
});

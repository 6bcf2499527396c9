import { formatIp, inCidr, parseCidr, parseIp } from "../../../src/egress/ip";

describe("parsing IP addresses and CIDRs", () => {
  it("reads every spelling of an IPv6 address to the same bytes", () => {
    const spellings = ["::ffff:127.0.0.1", "::ffff:7f00:1", "0:0:0:0:0:ffff:7f00:0001", "[::ffff:7f00:1]"];
    const bytes = spellings.map((s) => Array.from(parseIp(s)!.bytes));
    for (const b of bytes) expect(b).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
  });

  it("formats addresses compactly, compressing the longest run of zeros", () => {
    expect(formatIp(parseIp("0:0:0:0:0:ffff:7f00:0001")!)).toBe("::ffff:7f00:1");
    expect(formatIp(parseIp("2001:db8:0:0:1:0:0:1")!)).toBe("2001:db8::1:0:0:1");
    expect(formatIp(parseIp("::")!)).toBe("::");
    expect(formatIp(parseIp("1:2:3:4:5:6:7:8")!)).toBe("1:2:3:4:5:6:7:8");
    expect(formatIp(parseIp("10.0.0.1")!)).toBe("10.0.0.1");
  });

  it("is null for names and for IPv4 shorthands the URL parser would have normalized", () => {
    for (const s of ["example.com", "127.1", "0x7f.0.0.1", "", "1.2.3.4.5", ":::"]) expect(parseIp(s)).toBeNull();
  });

  it("parses CIDRs, masks host bits, and treats a bare address as a single-address range", () => {
    expect(parseCidr("10.1.2.3/8")).toMatchObject({ family: 4, prefix: 8, text: "10.0.0.0/8" });
    expect(parseCidr(" ::1 ")).toMatchObject({ family: 6, prefix: 128, text: "::1/128" });
    expect(parseCidr("0.0.0.0/0")).toMatchObject({ prefix: 0, text: "0.0.0.0/0" });
  });

  it.each(["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/8/1", "10.0.0.0/-1", "10.0.0.0/0x8", "example.com/8", "10.0.0/8"])(
    "refuses the malformed CIDR %s",
    (text) => expect(parseCidr(text)).toBeNull(),
  );

  it("matches a prefix that ends inside a byte exactly at its boundaries", () => {
    const cgnat = parseCidr("100.64.0.0/10")!;
    expect(inCidr(parseIp("100.64.0.0")!, cgnat)).toBe(true);
    expect(inCidr(parseIp("100.127.255.255")!, cgnat)).toBe(true);
    expect(inCidr(parseIp("100.63.255.255")!, cgnat)).toBe(false);
    expect(inCidr(parseIp("100.128.0.0")!, cgnat)).toBe(false);
    expect(inCidr(parseIp("::ffff:100.64.0.0")!, cgnat)).toBe(false); // families never mix
  });
});

import { isIPv4, isIPv6 } from "node:net";

/**
 * IP addresses as bytes, so that ranges and embedded IPv4 addresses (mapped, NAT64, 6to4) are
 * plain bit comparisons rather than string matching, which the many spellings of one IPv6
 * address would defeat.
 */
export interface IpAddress {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
  /** As written in configuration, normalized: "10.0.0.0/8". */
  text: string;
}

/** Null for anything that is not a literal IPv4 or IPv6 address (a zone id such as %eth0 is dropped). */
export function parseIp(text: string): IpAddress | null {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return { family: 4, bytes: ipv4Bytes(bare) };
  const unzoned = bare.split("%")[0] ?? "";
  if (isIPv6(unzoned)) return { family: 6, bytes: ipv6Bytes(unzoned) };
  return null;
}

/** "10.0.0.0/8", "::1/128"; a bare address is a single-address range. Null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const [addressText, prefixText, ...rest] = text.trim().split("/");
  if (rest.length > 0 || addressText === undefined) return null;
  const ip = parseIp(addressText);
  if (!ip) return null;
  const max = ip.family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  const bytes = masked(ip.bytes, prefix);
  return { family: ip.family, bytes, prefix, text: `${formatIp({ family: ip.family, bytes })}/${prefix}` };
}

export function inCidr(ip: IpAddress, cidr: Cidr): boolean {
  if (ip.family !== cidr.family) return false;
  const full = Math.floor(cidr.prefix / 8);
  for (let i = 0; i < full; i++) if (ip.bytes[i] !== cidr.bytes[i]) return false;
  const rest = cidr.prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((ip.bytes[full] ?? 0) & mask) === (cidr.bytes[full] ?? 0);
}

/** The IPv4 address held in bytes [from, from + 4) of an IPv6 address. */
export function embeddedIpv4(ip: IpAddress, from: number): IpAddress {
  return { family: 4, bytes: ip.bytes.slice(from, from + 4) };
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return Array.from(ip.bytes).join(".");
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((ip.bytes[i] ?? 0) << 8) | (ip.bytes[i + 1] ?? 0)).toString(16));
  // Compress the longest run of zero words (RFC 5952), enough for readable messages.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === "0") j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestStart < 0) return words.join(":");
  return `${words.slice(0, bestStart).join(":")}::${words.slice(bestStart + bestLength).join(":")}`;
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split(".").map(Number));
}

/** Only called on text `isIPv6` accepted, so the shape is known to be valid. */
function ipv6Bytes(text: string): Uint8Array {
  let source = text;
  const dotted = source.includes(".") ? source.slice(source.lastIndexOf(":") + 1) : null;
  if (dotted) {
    const [a, b, c, d] = ipv4Bytes(dotted);
    source = `${source.slice(0, source.lastIndexOf(":") + 1)}${(((a ?? 0) << 8) | (b ?? 0)).toString(16)}:${(((c ?? 0) << 8) | (d ?? 0)).toString(16)}`;
  }
  const words = (part: string) => (part === "" ? [] : part.split(":").map((w) => parseInt(w, 16)));
  const [head = "", tail] = source.split("::");
  const headWords = words(head);
  const tailWords = tail === undefined ? [] : words(tail);
  const all = [...headWords, ...new Array<number>(8 - headWords.length - tailWords.length).fill(0), ...tailWords];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

function masked(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = (bytes[i] ?? 0) & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

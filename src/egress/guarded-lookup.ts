import { promises as dns, type LookupAddress, type LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import type { AddressPolicy } from "./address-policy";
import { parseIp } from "./ip";
import { EgressRefusedError } from "./refusal";

/** Name resolution as the connect path needs it: every address, never just one. */
export type ResolveHost = (hostname: string, opts: Pick<LookupOptions, "family" | "hints">) => Promise<LookupAddress[]>;

/** The system resolver (getaddrinfo, as net.connect would use): /etc/hosts, then DNS. */
export const systemResolve: ResolveHost = (hostname, opts) => dns.lookup(hostname, { family: opts.family ?? 0, hints: opts.hints, all: true });

export interface EgressGuard {
  policy: AddressPolicy;
  /** Injected by tests to map a name to any address; production passes `systemResolve`. */
  resolve: ResolveHost;
}

/**
 * The addresses `host` may be reached at: the literal itself, or everything it resolves to.
 * Refuses when *any* resolved address is refused, not only the one that would be tried
 * first: with happy eyeballs, address ordering and retries across addresses, a name with one
 * internal answer can still end up connected to it, and a legitimate receiver has no reason
 * to publish one.
 */
export async function resolveAllowed(guard: EgressGuard, host: string, opts: Pick<LookupOptions, "family" | "hints"> = {}): Promise<LookupAddress[]> {
  const literal = parseIp(host);
  const addresses = literal ? [{ address: host.replace(/^\[|\]$/g, ""), family: literal.family }] : await guard.resolve(host, opts);
  if (addresses.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND", hostname: host });
  for (const { address } of addresses) {
    const verdict = guard.policy.check(address);
    if (!verdict.allowed) throw new EgressRefusedError(literal ? verdict.address : host, verdict.address, verdict.reason, verdict.range);
  }
  return addresses;
}

/**
 * A `lookup` for net/tls connect: the socket connects to exactly an address returned here, so
 * the address that was checked is the one used, with no second resolution for DNS rebinding to
 * change. Serves both call shapes (`all: true` from happy eyeballs, single otherwise).
 */
export function guardedLookup(guard: EgressGuard): LookupFunction {
  return (hostname, options, callback) => {
    resolveAllowed(guard, hostname, { family: options.family, hints: options.hints }).then(
      (addresses) => {
        if (options.all) return callback(null, addresses);
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ""),
    );
  };
}

import { isIP, type Socket } from "node:net";
import { buildConnector, Pool } from "undici";
import { guardedLookup, resolveAllowed, type EgressGuard } from "./guarded-lookup";

/**
 * The undici `connect` function every outbound connection goes through: it is where a
 * destination is checked, and the check holds because the socket is opened to the very
 * address that passed it.
 */
export interface GuardedConnector {
  connect: buildConnector.connector;
  close(): Promise<void>;
}

export interface ConnectorOptions {
  guard: EgressGuard;
  /** Connect (and, through a proxy, tunnel set-up) limit. */
  timeoutMs: number;
  /** An HTTP(S) proxy all connections are tunnelled through (CONNECT), e.g. for fixed egress IPs. */
  proxyUrl?: string;
}

export function createGuardedConnector(opts: ConnectorOptions): GuardedConnector {
  return opts.proxyUrl ? tunnelThroughProxy(opts.guard, opts.proxyUrl, opts.timeoutMs) : connectDirectly(opts.guard, opts.timeoutMs);
}

const unbracketed = (hostname: string) => hostname.replace(/^\[|\]$/g, "");
const defaultPort = (protocol: string) => (protocol === "https:" ? "443" : "80");

/**
 * net.connect resolves names through `lookup`, which checks them; it never calls `lookup` for
 * an IP literal, so literals are checked here first.
 */
function connectDirectly(guard: EgressGuard, timeoutMs: number): GuardedConnector {
  const connect = buildConnector({ timeout: timeoutMs, lookup: guardedLookup(guard) });
  return {
    connect(options, callback) {
      const host = unbracketed(options.hostname);
      if (isIP(host) === 0) return connect(options, callback);
      resolveAllowed(guard, host).then(
        () => connect(options, callback),
        (err: Error) => callback(err, null),
      );
    },
    close: async () => undefined,
  };
}

/**
 * Through a proxy, the name is resolved and checked here and the proxy is asked to CONNECT to
 * the checked IP address, not to the name: the proxy never resolves it, so it cannot be given
 * a different answer (DNS rebinding) than the one we checked. TLS to the receiver runs inside
 * the tunnel with the original name for SNI and certificate checks. Plain-http targets are
 * tunnelled too, for the same reason. The proxy's own address is the operator's choice and is
 * not subject to the policy.
 */
function tunnelThroughProxy(guard: EgressGuard, proxyUrl: string, timeoutMs: number): GuardedConnector {
  const proxy = new URL(proxyUrl);
  const authorization = proxy.username
    ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString("base64")}`
    : undefined;
  const proxyPool = new Pool(proxy.origin, { connect: { timeout: timeoutMs } });
  const tlsInTunnel = buildConnector({ timeout: timeoutMs });

  return {
    connect(options, callback) {
      const open = async () => {
        const [target] = await resolveAllowed(guard, unbracketed(options.hostname));
        const address = target!.family === 6 ? `[${target!.address}]` : target!.address;
        const authority = `${address}:${options.port || defaultPort(options.protocol)}`;
        const { socket, statusCode } = await proxyPool.connect({
          path: authority,
          headers: { host: authority, ...(authorization ? { "proxy-authorization": authorization } : {}) },
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (statusCode < 200 || statusCode >= 300) {
          socket.destroy();
          throw Object.assign(new Error(`the egress proxy answered ${statusCode} to CONNECT ${authority}`), { code: "EGRESS_PROXY_REFUSED" });
        }
        // Typed as a Duplex; for an HTTP/1.1 proxy it is the proxy connection's own socket.
        return socket as Socket;
      };
      open().then(
        (socket) => (options.protocol === "https:" ? tlsInTunnel({ ...options, httpSocket: socket }, callback) : callback(null, socket)),
        (err: Error) => callback(err, null),
      );
    },
    close: () => proxyPool.close(),
  };
}

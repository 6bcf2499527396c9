import { isIP, type Socket } from "node:net";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { buildConnector, Pool } from "undici";
import { guardedLookup, resolveAllowed, type EgressGuard } from "./guarded-lookup";

/**
 * The undici `connect` function every outbound connection goes through: it is where a
 * destination is checked, and the check holds because the socket is opened to the very
 * address that passed it.
 */
export interface GuardedConnector {
  connect: buildConnector.connector;
  /**
   * The same guard, route and trust, presenting a client certificate. Each call builds a
   * connector of its own, with its own TLS session cache: a session resumed from a connection
   * made without the certificate (or with another one) is never offered with it.
   */
  presenting(identity: { cert: string; key: string }): buildConnector.connector;
  close(): Promise<void>;
}

export interface ConnectorOptions {
  guard: EgressGuard;
  /** Connect (and, through a proxy, tunnel set-up) limit. */
  timeoutMs: number;
  /** An HTTP(S) proxy all connections are tunnelled through (CONNECT), e.g. for fixed egress IPs. */
  proxyUrl?: string;
  /** PEM certificates trusted for receivers besides Node's own roots (HOOKRELAY_EGRESS_CA_FILE). */
  extraCaCertificates?: string[];
}

/** TLS settings handed to tls.connect for receivers; none at all on the default path. */
type ReceiverTls = { secureContext?: SecureContext };

/**
 * The CAs receivers are checked against: Node's roots and the operator's. Given to TLS as `ca`,
 * which replaces the roots rather than adding to them, hence both; undefined (Node's default)
 * when there are no extra ones.
 */
export function receiverCas(extra: string[] | undefined): string[] | undefined {
  return extra?.length ? [...rootCertificates, ...extra] : undefined;
}

export function createGuardedConnector(opts: ConnectorOptions): GuardedConnector {
  // Built once: a secure context per connection would parse every root certificate on every connect.
  const ca = receiverCas(opts.extraCaCertificates);
  const trust: ReceiverTls = ca ? { secureContext: createSecureContext({ ca }) } : {};
  const withIdentity = (identity: { cert: string; key: string }): ReceiverTls => ({
    secureContext: createSecureContext({ ...(ca ? { ca } : {}), cert: identity.cert, key: identity.key }),
  });
  if (opts.proxyUrl) {
    const tunnel = proxyTunnel(opts.guard, opts.proxyUrl, opts.timeoutMs);
    return { connect: tunnel.connector(trust), presenting: (identity) => tunnel.connector(withIdentity(identity)), close: tunnel.close };
  }
  return {
    connect: connectDirectly(opts.guard, opts.timeoutMs, trust),
    presenting: (identity) => connectDirectly(opts.guard, opts.timeoutMs, withIdentity(identity)),
    close: async () => undefined,
  };
}

const unbracketed = (hostname: string) => hostname.replace(/^\[|\]$/g, "");
const defaultPort = (protocol: string) => (protocol === "https:" ? "443" : "80");

/**
 * net.connect resolves names through `lookup`, which checks them; it never calls `lookup` for
 * an IP literal, so literals are checked here first.
 */
function connectDirectly(guard: EgressGuard, timeoutMs: number, tls: ReceiverTls): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, lookup: guardedLookup(guard), ...tls });
  return (options, callback) => {
    const host = unbracketed(options.hostname);
    if (isIP(host) === 0) return connect(options, callback);
    resolveAllowed(guard, host).then(
      () => connect(options, callback),
      (err: Error) => callback(err, null),
    );
  };
}

/**
 * Through a proxy, the name is resolved and checked here and the proxy is asked to CONNECT to
 * the checked IP address, not to the name: the proxy never resolves it, so it cannot be given
 * a different answer (DNS rebinding) than the one we checked. TLS to the receiver runs inside
 * the tunnel with the original name for SNI and certificate checks, and with the same trust
 * and client certificate as a direct connection. Plain-http targets are tunnelled too, for the
 * same reason. The proxy's own address is the operator's choice and is not subject to the policy.
 */
function proxyTunnel(guard: EgressGuard, proxyUrl: string, timeoutMs: number) {
  const proxy = new URL(proxyUrl);
  const authorization = proxy.username
    ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString("base64")}`
    : undefined;
  const proxyPool = new Pool(proxy.origin, { connect: { timeout: timeoutMs } });

  const open = async (options: buildConnector.Options): Promise<Socket> => {
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

  return {
    /** One tunnelling connector per TLS identity; all share the proxy connection pool. */
    connector(tls: ReceiverTls): buildConnector.connector {
      const tlsInTunnel = buildConnector({ timeout: timeoutMs, ...tls });
      return (options, callback) => {
        open(options).then(
          (socket) => (options.protocol === "https:" ? tlsInTunnel({ ...options, httpSocket: socket }, callback) : callback(null, socket)),
          (err: Error) => callback(err, null),
        );
      };
    },
    close: () => proxyPool.close(),
  };
}

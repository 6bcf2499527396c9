import { describeRefusal, type RefusalReason } from "./address-policy";

/**
 * A connection the egress policy would not open. Thrown inside the connect path (the only way
 * to stop undici from connecting) and turned back into a value by `egressRefusalIn` at the edge
 * of outbound-http; `name` and `code` are set so it stays recognisable wherever it surfaces.
 */
export class EgressRefusedError extends Error {
  override name = "EgressRefusedError";
  readonly code = "EGRESS_REFUSED";
  constructor(
    /** The host as the URL named it. */
    readonly host: string,
    /** The address that was refused: the host itself when it is a literal, else what it resolved to. */
    readonly address: string,
    readonly reason: RefusalReason,
    readonly range: string,
  ) {
    super(
      host === address
        ? `${address} is ${describeRefusal(reason)} (${range}); hookrelay does not send to internal networks`
        : `${host} resolves to ${address}, ${describeRefusal(reason)} (${range}); hookrelay does not send to internal networks`,
    );
  }
}

/** The refusal behind an error, however deep undici or net wrapped it. */
export function egressRefusalIn(err: unknown): EgressRefusedError | null {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EgressRefusedError) return e;
  }
  return null;
}

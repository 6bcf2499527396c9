/**
 * Secret-bearing headers are shown as "[masked]" in the attempt log: some carry the secret
 * itself (Telegram's token), the rest are signatures a reader could replay. People who read
 * logs must not be able to forge a delivery from them.
 */
export const MASKED = "[masked]";

export function maskHeaders(headers: Record<string, string>, secretHeaders: readonly string[]): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    masked[name] = secretHeaders.includes(name.toLowerCase()) ? MASKED : value;
  }
  return masked;
}

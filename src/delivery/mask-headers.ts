/**
 * Shows enough of a secret-bearing header to tell two apart, never enough to replay one: the
 * attempt log is read by people who must not be able to forge a delivery from it.
 */
export function maskHeaders(headers: Record<string, string>, secretHeaders: readonly string[]): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    masked[name] = secretHeaders.includes(name.toLowerCase()) ? `${value.slice(0, Math.min(12, Math.floor(value.length / 4)))}…` : value;
  }
  return masked;
}

/**
 * The verify token is echoed in the handshake's query string and keys the HMAC signature, so it
 * must be printable ASCII without spaces (identical bytes in every language's HMAC API) and
 * long enough to be a key.
 */
export const VERIFY_TOKEN_MAX_LENGTH = 256;
export const VERIFY_TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/** What may be shown again after creation: enough to tell tokens apart, not to use one. */
export function verifyTokenHint(token: string): string {
  return `…${token.slice(-4)}`;
}

/** The parts of `window.location` and `window.history` this needs (so it is testable without a browser). */
export interface LinkLocation {
  readonly hash: string;
  readonly pathname: string;
  readonly search: string;
}
export interface LinkHistory {
  readonly state: unknown;
  replaceState(data: unknown, unused: string, url: string): void;
}

/**
 * Takes the magic link's token out of the address at once (before anything renders), so it
 * is not left in the history, copied with the URL or seen by a later script.
 * `/portal/signin#token=hrpl_…` → the token; the address becomes `/portal/signin`.
 */
export function takeLinkToken(loc: LinkLocation, history: LinkHistory): string | null {
  if (!loc.hash) return null;
  const params = new URLSearchParams(loc.hash.slice(1));
  const token = params.get("token");
  if (token === null) return null;
  history.replaceState(history.state, "", loc.pathname + loc.search);
  return token;
}

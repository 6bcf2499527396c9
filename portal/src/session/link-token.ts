/**
 * Takes the magic link's token out of the address at once (before anything renders), so it
 * is not left in the history, copied with the URL or seen by a later script.
 * `/portal/signin#token=hrpl_…` → the token; the address becomes `/portal/signin`.
 */
export function takeLinkToken(loc: Location, history: History): string | null {
  if (!loc.hash) return null;
  const params = new URLSearchParams(loc.hash.slice(1));
  const token = params.get("token");
  if (token === null) return null;
  history.replaceState(history.state, "", loc.pathname + loc.search);
  return token;
}

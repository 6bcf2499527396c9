import { takeLinkToken, type LinkHistory } from "../../../portal/src/session/link-token";

const historyRecording = () => {
  const replaced: string[] = [];
  const history: LinkHistory = { state: { idx: 0 }, replaceState: (_data, _unused, url) => void replaced.push(url) };
  return { history, replaced };
};

describe("the magic link's token", () => {
  test("is taken from the fragment, and the address keeps its path and query without it", () => {
    const { history, replaced } = historyRecording();
    expect(takeLinkToken({ hash: "#token=hrpl_abc123", pathname: "/portal/signin", search: "?embed=1" }, history)).toBe("hrpl_abc123");
    expect(replaced).toEqual(["/portal/signin?embed=1"]);
  });

  test("absent, the address is left alone", () => {
    const { history, replaced } = historyRecording();
    expect(takeLinkToken({ hash: "", pathname: "/portal/signin", search: "" }, history)).toBeNull();
    expect(takeLinkToken({ hash: "#other=1", pathname: "/portal/signin", search: "" }, history)).toBeNull();
    expect(replaced).toEqual([]);
  });

  test("an empty token is still taken out of the address (and then refused by the server)", () => {
    const { history, replaced } = historyRecording();
    expect(takeLinkToken({ hash: "#token=", pathname: "/portal/signin", search: "" }, history)).toBe("");
    expect(replaced).toHaveLength(1);
  });
});

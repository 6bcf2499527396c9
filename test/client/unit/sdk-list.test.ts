import { List, type Page } from "../../../packages/client/src/sdk/list";

/** A list over `pages`, recording the cursor each fetch was asked for. */
function listOver(pages: Page<number>[]) {
  const asked: (string | undefined)[] = [];
  const byCursor = new Map(pages.map((p, i) => [i === 0 ? undefined : pages[i - 1]!.nextCursor!, p]));
  const list = new List<number>(async (cursor) => {
    asked.push(cursor);
    const page = byCursor.get(cursor);
    if (!page) throw new Error(`no page for ${cursor}`);
    return page;
  });
  return { list, asked };
}

describe("List", () => {
  const pages = [
    { data: [1, 2], nextCursor: "c1" },
    { data: [3, 4], nextCursor: "c2" },
    { data: [5], nextCursor: null },
  ];

  it("yields every item of every page, following nextCursor, and fetches nothing until iterated", async () => {
    const { list, asked } = listOver(pages);
    expect(asked).toEqual([]);
    const items: number[] = [];
    for await (const n of list) items.push(n);
    expect(items).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual([undefined, "c1", "c2"]);
  });

  it("gives whole pages, the first page alone, or everything collected", async () => {
    const { list, asked } = listOver(pages);
    const seen: Page<number>[] = [];
    for await (const p of list.pages()) seen.push(p);
    expect(seen).toEqual(pages);
    expect(await list.first()).toEqual(pages[0]);
    expect(await list.all()).toEqual([1, 2, 3, 4, 5]);
    expect(asked.filter((c) => c === undefined)).toHaveLength(3);
  });

  it("stops early without fetching further pages", async () => {
    const { list, asked } = listOver(pages);
    for await (const n of list) if (n === 2) break;
    expect(asked).toEqual([undefined]);
  });

  it("refuses to loop on a cursor that comes back", async () => {
    const list = new List<number>(async () => ({ data: [1], nextCursor: "same" }));
    await expect(list.all()).rejects.toThrow(/cursor same twice/);
  });
});

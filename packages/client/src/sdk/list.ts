/** One page of a list, as the API answers it. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * Every item of a paged collection, page after page, following `nextCursor`; nothing is fetched
 * until it is iterated. `for await (const w of hr.webhooks.list()) …`, or `.pages()` for whole
 * pages, or `.first()` for one page. Each iteration starts again from the first page.
 */
export class List<T> implements AsyncIterable<T> {
  constructor(private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>) {}

  /** The first page only (the query's `cursor`, if it named one, is where it starts). */
  first(): Promise<Page<T>> {
    return this.fetchPage(undefined);
  }

  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.fetchPage(cursor);
      yield page;
      if (!page.nextCursor) return;
      // A cursor that comes back would loop forever; the API never does this, a proxy's cache might.
      if (seen.has(page.nextCursor)) throw new Error(`the API returned cursor ${page.nextCursor} twice; stopping`);
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.data;
  }

  /** Every item, collected (mind the size of what you list). */
  async all(): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this) items.push(item);
    return items;
  }
}

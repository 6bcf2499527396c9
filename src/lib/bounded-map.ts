/**
 * A Map that holds at most `maxEntries`: adding one more drops the oldest entry. For in-process
 * caches on hot paths (opened secrets, checked API keys), whose memory must not grow with
 * whatever callers send.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly maxEntries: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.maxEntries) this.delete(this.keys().next().value!);
    return super.set(key, value);
  }
}

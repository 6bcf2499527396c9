import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import type { EventType } from "../api/types";

/** The account's event-type catalog: built-in types, then its own. */
export function useCatalog() {
  return useResource<EventType[]>("event-types", async (api, signal) => (await unwrap(api.GET("/v1/event-types", { signal }))).data);
}

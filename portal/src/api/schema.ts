// The API's types, generated once from /openapi.json for the SDK (packages/client/src/sdk/schema.ts,
// `npm run api-types`): the portal calls the same API, so it reads the same file.
export type { components, paths } from "../../../packages/client/src/sdk/schema";

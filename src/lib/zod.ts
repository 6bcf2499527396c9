import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

// Every schema module imports z from here, so `.openapi()` metadata is available wherever a
// schema is declared, before any of them is built.
extendZodWithOpenApi(z);

export { z };

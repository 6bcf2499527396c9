/**
 * Reads the app's own OpenAPI document as a list of operations, so tests that must cover every
 * route (the fuzz run, tenant isolation) take their list from the document: a route added
 * tomorrow is covered tomorrow, without anyone remembering to add it here.
 */

/** A JSON Schema node as zod-to-openapi writes it (only what the tests look at). */
export interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: string;
  example?: unknown;
  default?: unknown;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: SchemaNode;
}

export interface Operation {
  method: "get" | "post" | "patch" | "delete" | "put";
  /** As in the document: `/v1/webhooks/{id}`. */
  path: string;
  /** `GET /v1/webhooks/{id}`, for messages. */
  label: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  /** The request body's schema, `$ref`s resolved at the top level; undefined when it takes none. */
  body?: SchemaNode;
  /** Every status the document promises for this operation. */
  statuses: number[];
  /** Whether the document says a key is needed. */
  secured: boolean;
  /** The scope an account key needs (`x-required-scope`); undefined where account keys are not scoped (public, admin, portal). */
  requiredScope?: string;
}

// The document is JSON of a known shape; tests look into it freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpenApiDocument = any;

export function resolveRef(doc: OpenApiDocument, node: SchemaNode): SchemaNode {
  let current = node;
  for (let i = 0; current.$ref && i < 20; i++) {
    const name = current.$ref.replace("#/components/schemas/", "");
    current = doc.components.schemas[name] as SchemaNode;
    if (!current) throw new Error(`unresolved $ref ${node.$ref}`);
  }
  return current;
}

/** The name a `$ref` points at (`#/components/schemas/UpdateWebhook` → `UpdateWebhook`). */
export function refName(node: SchemaNode | undefined): string | undefined {
  return node?.$ref?.replace("#/components/schemas/", "");
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, byMethod] of Object.entries(doc.paths as Record<string, Record<string, OpenApiDocument>>)) {
    for (const [method, op] of Object.entries(byMethod)) {
      const params = (op.parameters ?? []) as Parameter[];
      const bodySchema = op.requestBody?.content?.["application/json"]?.schema as SchemaNode | undefined;
      ops.push({
        method: method as Operation["method"],
        path,
        label: `${method.toUpperCase()} ${path}`,
        pathParams: params.filter((p) => p.in === "path"),
        queryParams: params.filter((p) => p.in === "query"),
        body: bodySchema,
        statuses: Object.keys(op.responses).map(Number),
        secured: Array.isArray(op.security) && op.security.length > 0,
        requiredScope: op["x-required-scope"] as string | undefined,
      });
    }
  }
  return ops;
}

/** `/v1/webhooks/{id}/test` with `{id: "wh_…"}` → `/v1/webhooks/wh_…/test`; values are used as given (already encoded). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${path}`);
    return value;
  });
}

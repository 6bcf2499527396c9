import type { Request, Response } from "express";
import type { Scope } from "../access/scopes";
import type { RateClass } from "../rate-limit/policy";
import type { z } from "../lib/zod";
import type { Principal } from "./auth";

/**
 * A route is declared once: its schemas validate requests in src/http/router.ts and describe
 * them in src/http/openapi.ts, so the OpenAPI document cannot drift from what is enforced.
 */
export type AuthRequirement = "public" | "account" | "admin" | "account-or-admin" | "portal";

/**
 * What a portal session needs to call a route: any session (`read`), or one that may change
 * things (`manage`). A route that does not say is closed to portal sessions.
 */
export type PortalAccessNeeded = "read" | "manage";

export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  req: Request;
  res: Response;
}

type AnySchema = z.ZodType;
type Out<S> = S extends AnySchema ? z.output<S> : undefined;

/**
 * An account key may use a route only with the scope it declares (src/access/scopes.ts), so every
 * route an account key can reach must declare one: by type, so a new route cannot forget. The
 * admin key is not scoped, and portal sessions have their own `portal` access.
 */
type ScopeRequirement =
  | { auth: "account" | "account-or-admin"; /** What an account key needs to call it. */ scope: Scope }
  | { auth: "public" | "admin" | "portal"; scope?: undefined };

export type RouteSpec<P extends AnySchema | undefined, Q extends AnySchema | undefined, B extends AnySchema | undefined> = RouteSpecBase<P, Q, B> &
  ScopeRequirement;

interface RouteSpecBase<P extends AnySchema | undefined, Q extends AnySchema | undefined, B extends AnySchema | undefined> {
  method: "get" | "post" | "patch" | "delete";
  /** Express-style path, e.g. `/v1/webhooks/:id`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: AuthRequirement;
  /** Open to portal sessions, and which; API keys only when absent. */
  portal?: PortalAccessNeeded;
  params?: P;
  query?: Q;
  body?: B;
  /** The rate-limit bucket it draws from; "api" when absent. */
  rateLimit?: RateClass;
  /** Largest accepted body; the app-wide limit when absent. */
  maxBodyBytes?: number;
  /**
   * Body fields, by name, held to the nesting limit but not to the text rule (src/http/json-input.ts):
   * events' `data`, which is stored as JSON text with its escapes and sent on as such.
   */
  opaqueJsonFields?: string[];
  /** A body-less POST (an action such as /verify) still accepts `{}` or nothing. */
  success: { status: number; description: string; schema?: AnySchema; contentType?: string };
  /** Other 2xx answers it can give, each documented as such (a dry run's 200 beside a start's 202). */
  alsoSucceeds?: { status: number; description: string; schema?: AnySchema }[];
  /** Error statuses this route can answer besides the ones every route can (400, 413, 415, 500; 401 and 403 with a key). */
  errors: number[];
  handle(input: RouteInput<Out<P>, Out<Q>, Out<B>>): Promise<RouteResponse>;
}

export type AnyRoute = RouteSpec<AnySchema | undefined, AnySchema | undefined, AnySchema | undefined>;

/** Identity at runtime (but for the scope check); gives the handler inferred, validated input types. */
export function defineRoute<
  P extends AnySchema | undefined = undefined,
  Q extends AnySchema | undefined = undefined,
  B extends AnySchema | undefined = undefined,
>(spec: RouteSpec<P, Q, B>): AnyRoute {
  // The type already demands it; this catches a declaration that was cast past the type.
  const declared = spec as { method: string; path: string; auth: AuthRequirement; scope?: Scope };
  if ((declared.auth === "account" || declared.auth === "account-or-admin") && !declared.scope) {
    throw new Error(`${declared.method.toUpperCase()} ${declared.path}: a route open to account keys must declare its scope`);
  }
  return spec as unknown as AnyRoute;
}

/** `/v1/webhooks/:id` → `/v1/webhooks/{id}` */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

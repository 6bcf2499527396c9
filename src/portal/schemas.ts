import { z } from "../lib/zod";

export const PORTAL_LOCALES = ["en", "pt", "ar"] as const;
export const MIN_SESSION_TTL_SECONDS = 5 * 60;
export const MAX_SESSION_TTL_SECONDS = 7 * 24 * 3600;

const Access = z.enum(["manage", "read"]).openapi({
  description: "`manage`: the user may change webhooks (add, edit, pause, rotate, delete, test, redeliver). `read`: look only; the API refuses every change with 403 `read_only_session`.",
});
const Locale = z.enum(PORTAL_LOCALES).openapi({ description: "The portal's language; the browser's when absent." });
const AccentColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a colour like #1f6feb");

const Branding = z.strictObject({
  productName: z.string().trim().min(1).max(60).optional().openapi({ description: "Shown in the portal's header." }),
  accentColor: AccentColor.optional().openapi({ description: "Buttons and links; `#rrggbb`." }),
});

export const CreatePortalSessionBody = z
  .strictObject({
    accountId: z.string().max(64).optional().openapi({ description: "Only with the admin key: the account whose portal this is." }),
    access: Access.default("manage"),
    ttlSeconds: z.coerce
      .number()
      .int()
      .min(MIN_SESSION_TTL_SECONDS)
      .max(MAX_SESSION_TTL_SECONDS)
      .optional()
      .openapi({ description: "How long the session lasts once the link is opened; the deployment's default (12 h) when absent." }),
    locale: Locale.optional(),
    branding: Branding.optional(),
  })
  .openapi("CreatePortalSession");

export const CreatedPortalSession = z
  .object({
    id: z.string().openapi({ example: "ps_01JD2Z8Q3M4N5P6R7S8T9V0W1X" }),
    url: z.string().openapi({
      description: "The magic link: open it once, in a browser or an iframe. Its token is in the URL fragment, which browsers never send to a server, so no server or proxy log holds it.",
      example: "https://hooks.example.com/portal/signin#token=hrpl_…",
    }),
    linkExpiresAt: z.string().datetime().openapi({ description: "The link must be opened before this." }),
    sessionTtlSeconds: z.number().int(),
    access: Access,
  })
  .openapi("CreatedPortalSession");

export const ExchangeLinkBody = z.strictObject({ token: z.string().min(1).max(200) }).openapi("ExchangePortalLink");

export const PortalSession = z
  .object({
    id: z.string(),
    accountId: z.string(),
    accountName: z.string(),
    access: Access,
    locale: Locale.nullable(),
    branding: z.object({ productName: z.string().nullable(), accentColor: z.string().nullable() }),
    expiresAt: z.string().datetime(),
  })
  .openapi("PortalSession");

export const ExchangedLink = z
  .object({
    sessionToken: z.string().openapi({ description: "Send as `Authorization: Bearer <sessionToken>` on every call; keep it out of URLs." }),
    session: PortalSession,
  })
  .openapi("PortalSessionToken");

export type CreatePortalSessionInput = z.output<typeof CreatePortalSessionBody>;
export type PortalSessionDto = z.output<typeof PortalSession>;
export type PortalAccess = z.output<typeof Access>;

import type { CatalogEventType } from "./catalog";

/**
 * The event types of the platforms in ../shared/seeds, importable into an account (POST
 * /v1/event-types/import) so that its webhooks in those platforms' dialects carry the names
 * and payloads their receivers were written against. Names are the platforms' own, fixed,
 * so they need not look like our `noun.verb`.
 */
export const SEED_CATALOG_NAMES = ["wappcloud", "oneroute", "oblic"] as const;
export type SeedCatalogName = (typeof SEED_CATALOG_NAMES)[number];

/**
 * Wappcloud (seed 002) names the two events but documents no payloads ("structure depends on
 * the event type"); these samples are illustrative, in the WhatsApp shape its product relays.
 */
const WAPPCLOUD: readonly CatalogEventType[] = [
  {
    name: "incoming_message",
    description: "A message was received on one of your WhatsApp numbers (Wappcloud).",
    sample: {
      messageId: "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhggQjM0RTc1QzY5Q0E0NjE2QjlGNDU3MkQzRjE0NkMzNTUA",
      from: "919876543210",
      to: "15550783881",
      contact: { name: "Asha Verma", waId: "919876543210" },
      type: "text",
      text: { body: "Hi, is my order on its way?" },
      timestamp: "1767000000",
    },
  },
  {
    name: "status_update",
    description: "The delivery status of a message you sent changed: sent, delivered, read or failed (Wappcloud).",
    sample: {
      messageId: "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSNUQ4QjI3RTcxQjM0QzU3QjA2AA==",
      recipient: "919876543210",
      status: "delivered",
      timestamp: "1767000042",
      conversation: { id: "c2a1f5b0e7d94c3a8f61b2d0e9a7c4f1", origin: "service" },
    },
  },
];

/**
 * OneRoute (seed 003). The samples are the seed's payloads without `event`, which the oneroute
 * dialect puts in front from the event type. Two repairs: the customer email the published page
 * shows obfuscated ("[email protected]") is a placeholder address, and the campaign payload's
 * missing comma is restored. The campaign type keeps OneRoute's spelling, "compaign": it is
 * the `event` value their receivers switch on, so correcting it would break them silently.
 */
const ONEROUTE: readonly CatalogEventType[] = [
  {
    name: "newMessage",
    description: "A new message came into one of your channels (OneRoute).",
    sample: {
      message: {
        sender: { name: "Message Sender", authUser: false, lastActivity: "2022-01-29T07:27:52.676Z" },
        externalId: null,
        content: "Hello World!",
        contentType: "TEXT",
        imageUrl: null,
        videoUrl: null,
        documentUrl: null,
        audioUrl: null,
        quoted_message_id: null,
        conversation_id: "bf9d96d9-e495-489a-a22a-206b0ea44d90",
      },
      conversation: {
        id: "bf9d96d9-e495-489a-a22a-206b0ea44d90",
        subject: null,
        agent: null,
        customer: { name: "Customer name", email: "customer@example.com" },
        lastMessageAt: "2022-01-29T07:27:52.793Z",
        status: "in-queue",
        country: "NG",
        read: false,
        createdAt: "2022-01-29T07:18:58.172Z",
        updatedAt: "2022-01-29T07:27:52.794Z",
        agent_id: null,
        Channel: {
          id: "8bad2edc-2973-4cec-8f33-a17c54dc0686",
          phone: null,
          identifier: "Identifier",
          medium: "WHATSAPP",
          credentials: null,
          description: "Whatsapp Channel",
          name: "Channel name",
          type: "CUSTOM",
          provider: null,
          country: "NG",
          env: "LIVE",
          status: "ACTIVE",
          webhookUrl: "https://webhook.url",
        },
      },
    },
  },
  {
    name: "compaignDeliveryReport",
    description: "A WhatsApp campaign finished; spelled as OneRoute's payloads spell it (OneRoute).",
    sample: {
      message: "campaign completed.",
      campaignReportUrl: "https://api.oneroute.io/api/public/logs?page[size]=10&page[number]=1&campaign_id=campaign_id",
      conversation: { id: "id", firm_id: "firm id" },
    },
  },
];

/**
 * Oblic (seed 004): fifteen `noun.verb` types. The seed shows one payload in full (a message,
 * below as message.*); the others follow its conventions: 16-character ids, snake_case keys,
 * Unix-second timestamps. A payload is the resource after the change (for deletions, as it was).
 */
const contact = {
  id: "WAz8eIbvDR60rouK",
  username: "KevinMcCallister",
  phone_number: "1-800-759-3000",
  avatar_url: "https://assets.oblic.chat/avatars/kevin.jpg",
  last_active_at: 705103200,
  created_at: 692233200,
};
const message = {
  id: "SIuAFUNKdSYHZF2w",
  conversation_id: "xgQQXg3hrtjh7AvZ",
  contact,
  message: "I’m traveling with my dad. He’s at a meeting. I hate meetings.",
  reactions: [],
  attachments: [],
  read_at: 705103200,
  created_at: 692233200,
  updated_at: 692233200,
};
const conversation = {
  id: "xgQQXg3hrtjh7AvZ",
  contact_id: "WAz8eIbvDR60rouK",
  group_id: null,
  pinned_message_id: null,
  is_pinned: false,
  is_muted: false,
  last_active_at: 705103200,
  last_opened_at: 705103200,
  created_at: 692233200,
  archived_at: null,
};
const group = {
  id: "l7cGNIBKZiNJ6wqF",
  name: "Plaza Hotel",
  description: "World-class luxury hotel in Midtown Manhattan.",
  avatar_url: "https://assets.oblic.chat/avatars/plazahotel.jpg",
  conversation_id: "ZPN3gj8ecdxJJ8nw",
  member_count: 2,
  created_at: 692233200,
};
const attachment = {
  id: "Nc6yKKMpcxiiFxp6",
  message_id: "SIuAFUNKdSYHZF2w",
  filename: "Invoice_room_service__Plaza_Hotel.pdf",
  file_url: "https://assets.oblic.chat/attachments/Invoice_room_service__Plaza_Hotel.pdf",
  file_type: "application/pdf",
  file_size: 135_618,
  created_at: 692233200,
};

const OBLIC_NOUNS: [noun: string, label: string, payload: Record<string, unknown>][] = [
  ["contact", "contact", contact],
  ["conversation", "conversation", conversation],
  ["message", "message", message],
  ["group", "group", group],
  ["attachment", "attachment", attachment],
];
const OBLIC_VERBS: [verb: string, describe: (label: string) => string][] = [
  ["created", (l) => `A new ${l} was created (Oblic).`],
  ["updated", (l) => `An existing ${l} was updated (Oblic).`],
  ["deleted", (l) => `${/^[aeiou]/.test(l) ? "An" : "A"} ${l} was successfully deleted (Oblic).`],
];

const OBLIC: readonly CatalogEventType[] = OBLIC_NOUNS.flatMap(([noun, label, payload]) =>
  OBLIC_VERBS.map(([verb, describe]) => ({ name: `${noun}.${verb}`, description: describe(label), sample: payload })),
);

export const SEED_CATALOGS: Record<SeedCatalogName, readonly CatalogEventType[]> = {
  wappcloud: WAPPCLOUD,
  oneroute: ONEROUTE,
  oblic: OBLIC,
};

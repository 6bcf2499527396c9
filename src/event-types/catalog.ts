/**
 * Event types every account has out of the box: the product's (seed 001, Orki) and
 * hookrelay's own operational events about the account's webhooks (src/operational/), each
 * with the sample payload that the "send test event" button delivers.
 */
import { OPERATIONAL_EVENT_CATALOG } from "../operational/catalog";

export interface CatalogEventType {
  name: string;
  description: string;
  sample: Record<string, unknown>;
}

export const BUILTIN_EVENT_TYPES: readonly CatalogEventType[] = [
  {
    name: "meta.message",
    description: "A message was received from WhatsApp/Instagram.",
    sample: {
      object: "whatsapp_business_account",
      entry: [
        {
          id: "102290129340398",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "15550783881", phone_number_id: "106540352242922" },
                contacts: [{ profile: { name: "Sheena Nelson" }, wa_id: "16505551234" }],
                messages: [
                  {
                    from: "16505551234",
                    id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
                    timestamp: "1749416383",
                    type: "text",
                    text: { body: "Does it come in another color?" },
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  },
  {
    name: "message.created",
    description: "A new message was created (inbound or outbound).",
    sample: {
      message: {
        id: "msg_2f9c1d7e",
        chatId: "chat_81a04b",
        direction: "inbound",
        channel: "whatsapp",
        from: { name: "Sheena Nelson", phone: "+16505551234" },
        text: "Does it come in another color?",
        createdAt: "2026-01-15T09:30:00.000Z",
      },
    },
  },
  {
    name: "chat.status_changed",
    description: "A chat's status changed (active, snoozed, closed, needs attention).",
    sample: {
      chat: {
        id: "chat_81a04b",
        previousStatus: "active",
        status: "snoozed",
        snoozedUntil: "2026-01-16T09:00:00.000Z",
        changedBy: { type: "agent", id: "agent_17" },
        changedAt: "2026-01-15T09:42:00.000Z",
      },
    },
  },
  ...OPERATIONAL_EVENT_CATALOG,
];

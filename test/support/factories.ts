import { expect } from "@jest/globals";
import type { TestApp } from "./app";
import { startWebhookReceiver, type WebhookReceiver } from "./receivers";

export const DEFAULT_TOKEN = "factory-verify-token-0001";

/**
 * A receiver of its own with a webhook registered on it (handshake and all), closed with the
 * app. `aWebhook(app, key, { eventTypes: ["chat.status_changed"] })`.
 */
export async function aWebhook(
  app: TestApp,
  key: string,
  overrides: { eventTypes?: string[]; token?: string; path?: string; description?: string } = {},
): Promise<{ receiver: WebhookReceiver; id: string }> {
  const token = overrides.token ?? DEFAULT_TOKEN;
  const receiver = await startWebhookReceiver(token, overrides.path);
  app.onClose(() => receiver.close());
  const res = await app.call("POST", "/v1/webhooks", {
    key,
    body: {
      url: receiver.url,
      verifyToken: token,
      eventTypes: overrides.eventTypes ?? ["message.created"],
      ...(overrides.description ? { description: overrides.description } : {}),
    },
  });
  expect(res.status).toBe(201);
  return { receiver, id: res.body.id as string };
}

import { expect } from "@jest/globals";
import type { TestApp } from "./app";
import { startWebhookReceiver, type WebhookReceiver } from "./receivers";

export const DEFAULT_TOKEN = "factory-verify-token-0001";

/** A customer's endpoint of its own (answering the handshake for `token`), closed with the app. */
export async function aReceiver(app: TestApp, token: string = DEFAULT_TOKEN, path?: string): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver(token, path);
  app.onClose(() => receiver.close());
  return receiver;
}

/**
 * A receiver of its own with a webhook registered on it (handshake and all), closed with the
 * app. `aWebhook(app, key, { eventTypes: ["chat.status_changed"] })`.
 */
export async function aWebhook(
  app: TestApp,
  key: string,
  overrides: {
    eventTypes?: string[];
    /** The verify token / secret; null sends none (the dialect generates one). */
    token?: string | null;
    path?: string;
    description?: string;
    dialect?: string;
    dialectOptions?: Record<string, unknown>;
  } = {},
): Promise<{ receiver: WebhookReceiver; id: string; secret: string }> {
  const token = overrides.token === undefined ? DEFAULT_TOKEN : overrides.token;
  const receiver = await aReceiver(app, token ?? "", overrides.path);
  const res = await app.call("POST", "/v1/webhooks", {
    key,
    body: {
      url: receiver.url,
      ...(token === null ? {} : { verifyToken: token }),
      eventTypes: overrides.eventTypes ?? ["message.created"],
      ...(overrides.description ? { description: overrides.description } : {}),
      ...(overrides.dialect ? { dialect: overrides.dialect } : {}),
      ...(overrides.dialectOptions ? { dialectOptions: overrides.dialectOptions } : {}),
    },
  });
  expect(res.status).toBe(201);
  return { receiver, id: res.body.id as string, secret: (res.body.secret as string | undefined) ?? token! };
}

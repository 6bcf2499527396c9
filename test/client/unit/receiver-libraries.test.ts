import { createHmac, randomBytes } from "node:crypto";
import { isValidSlackRequest } from "@slack/bolt";
import fc from "fast-check";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import XHubSignature from "x-hub-signature";
import { verify } from "../../../packages/client/src/receiver";

/**
 * The receiver helper and the libraries receivers use for each dialect give the same verdict on
 * the same bytes: signed by the library, possibly tampered with, possibly stale or wrongly keyed.
 * (Run counts are fast-check's default, 100 per property.)
 */
const thrown = (f: () => unknown) => {
  try {
    f();
    return false;
  } catch {
    return true;
  }
};

/** A JSON body, possibly with one byte changed after signing. */
const bodies = fc.record({ json: fc.json(), tamper: fc.boolean() });
const tampered = (json: string, tamper: boolean) => (tamper ? `${json} ` : json);
const whsec = () => `whsec_${randomBytes(32).toString("base64")}`;

describe("the standard-webhooks verifier agrees with the standardwebhooks and svix libraries", () => {
  const secret = whsec();
  const other = whsec();
  const libraries = [
    ["standardwebhooks", new StandardWebhook(secret)],
    ["svix", new SvixWebhook(secret)],
  ] as const;

  it.each(libraries)("on what %s signs, tampered, replayed or keyed otherwise", (_name, library) => {
    fc.assert(
      fc.property(
        bodies,
        fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/),
        // Seconds from now, away from the 300 s edge the two clocks could straddle.
        fc.integer({ min: -900, max: 900 }).filter((s) => Math.abs(Math.abs(s) - 300) > 2),
        fc.boolean(),
        ({ json, tamper }, id, offset, wrongKey) => {
          const now = new Date();
          const at = new Date(now.getTime() + offset * 1000);
          const signer = wrongKey ? new StandardWebhook(other) : library;
          const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": signer.sign(id, at, json) };
          const body = tampered(json, tamper);
          const ours = verify({ headers, rawBody: body }, { dialect: "standard-webhooks", secret, now });
          expect(ours.ok).toBe(!thrown(() => library.verify(body, headers)));
          if (!ours.ok) expect(ours.reason).toBe(tamper || wrongKey ? "bad_signature" : "stale_timestamp");
        },
      ),
    );
  });

  it("accepts svix-* header names, as Svix's libraries do", () => {
    const now = new Date();
    const body = '{"a":1}';
    const headers = { "svix-id": "msg_1", "svix-timestamp": String(Math.floor(now.getTime() / 1000)), "svix-signature": new SvixWebhook(secret).sign("msg_1", now, body) };
    expect(new SvixWebhook(secret).verify(body, headers)).toEqual({ a: 1 });
    expect(verify({ headers, rawBody: body }, { dialect: "standard-webhooks", secret, now })).toMatchObject({ ok: true, id: "msg_1" });
  });
});

describe("the meta verifier agrees with the x-hub-signature library", () => {
  it("on what it signs with the verify token, tampered or keyed otherwise", () => {
    const token = randomBytes(16).toString("hex");
    fc.assert(
      fc.property(bodies, fc.boolean(), ({ json, tamper }, wrongKey) => {
        const signature = new XHubSignature("sha256", wrongKey ? `${token}x` : token).sign(json);
        const body = tampered(json, tamper);
        const ours = verify({ headers: { "x-hub-signature-256": signature }, rawBody: body }, { dialect: "meta", secret: token });
        expect(ours.ok).toBe(new XHubSignature("sha256", token).verify(signature, body));
      }),
    );
  });
});

describe("the slack verifier agrees with @slack/bolt's isValidSlackRequest", () => {
  const signingSecret = randomBytes(16).toString("hex");

  it("on requests signed with the signing secret, tampered, stale or keyed otherwise", () => {
    fc.assert(
      fc.property(
        bodies,
        // Bolt refuses only the past (more than 5 minutes old); both refuse stale replays alike.
        fc.integer({ min: -900, max: 0 }).filter((s) => Math.abs(s + 300) > 1),
        fc.boolean(),
        ({ json, tamper }, offset, wrongKey) => {
          const now = new Date("2026-06-01T12:00:00Z");
          const timestamp = Math.floor(now.getTime() / 1000) + offset;
          const key = wrongKey ? `${signingSecret}x` : signingSecret;
          const signature = `v0=${createHmac("sha256", key).update(`v0:${timestamp}:${json}`).digest("hex")}`;
          const body = tampered(json, tamper);
          const headers = { "x-slack-signature": signature, "x-slack-request-timestamp": String(timestamp) };
          const ours = verify({ headers, rawBody: body }, { dialect: "slack", secret: signingSecret, now });
          const bolt = isValidSlackRequest({
            signingSecret,
            body,
            headers: { "x-slack-signature": signature, "x-slack-request-timestamp": timestamp },
            nowMilliseconds: now.getTime(),
          });
          expect(ours.ok).toBe(bolt);
        },
      ),
    );
  });
});

import { randomBytes } from "node:crypto";
import type { EventTypesService } from "../event-types/service";
import { newId } from "../lib/ids";
import type { HttpOutcome } from "../lib/outbound-http";
import type { Db } from "../lib/prisma";
import type { SecretBox } from "../lib/secret-box";
import { sendAttempt, signingFor, type AttemptDeps } from "./attempt";
import { describeFailure, isSuccess } from "./retry-policy";
import type { ProbeResultDto, SignatureVerdict } from "./schemas";
import { sampleTarget } from "./test-event";
import { clientIdentityFor } from "../webhooks/client-certificate";

export const PROBE_HEADER = "x-hookrelay-probe";

/** What one probe got (the route's schema says it: src/delivery/schemas.ts). */
export type ProbeResult = ProbeResultDto;

const probeResult = (outcome: HttpOutcome): ProbeResult => ({
  statusCode: outcome.kind === "response" ? outcome.status : null,
  responseTimeMs: outcome.elapsedMs,
  accepted: isSuccess(outcome),
  error: isSuccess(outcome) ? null : describeFailure(outcome),
});

/** What the two answers say about the endpoint, in the words the portal shows. Pure. */
export function judgeSignatureCheck(good: ProbeResult, bad: ProbeResult): { verdict: SignatureVerdict; message: string } {
  if (good.statusCode === null) {
    return { verdict: "unreachable", message: `the correctly signed request got no answer (${good.error}); nothing can be said about signature checking yet` };
  }
  if (!good.accepted) {
    return {
      verdict: "rejects_good_signature",
      message: `your endpoint answered ${good.statusCode} to a correctly signed request: check that it verifies with the current secret over the raw body`,
    };
  }
  if (bad.accepted) {
    return {
      verdict: "accepts_bad_signature",
      message: "your endpoint accepted a request with a wrong signature: it is not verifying signatures",
    };
  }
  return {
    verdict: "verifies",
    message: `your endpoint accepted the correctly signed request and refused the wrongly signed one (${bad.statusCode ?? bad.error}): it verifies signatures`,
  };
}

/**
 * "Check my endpoint": one correctly signed request, then one signed with a random wrong
 * secret, both sample events marked with `X-Hookrelay-Probe` so a receiver can tell them from
 * real traffic. Neither is logged nor counts towards the webhook's failures: a probe that is
 * meant to be refused must not disable anything. None of Svix, Convoy or Outpost offers this.
 */
export function createSignatureCheck(deps: AttemptDeps & { db: Db; secretBox: SecretBox; minSecretLength: number; eventTypes: EventTypesService }) {
  return async (accountId: string, webhookId: string) => {
    const { webhook, type, sample } = await sampleTarget(deps, accountId, webhookId);
    const now = deps.clock.now();
    const { dialect, secrets } = signingFor(webhook, { ...deps, now });
    const clientIdentity = clientIdentityFor(webhook.id, webhook, deps.secretBox);
    const probe = async (kind: "good" | "bad") => {
      const event = { id: newId("evt", now.getTime()), type, createdAt: now, data: JSON.stringify(sample) };
      const delivery = { id: newId("dlv", now.getTime()), accountId, webhookId, eventType: type, isTest: true };
      // A wrong secret of the right shape: the endpoint must tell them apart by the signature alone.
      const wrong = randomBytes(24).toString("base64url");
      const sent = await sendAttempt(deps, {
        delivery,
        event,
        url: webhook.url,
        dialect,
        secrets: kind === "good" ? secrets : [wrong],
        attemptNumber: 1,
        clientIdentity,
        extraHeaders: { [PROBE_HEADER]: `signature-check; signature=${kind === "good" ? "valid" : "invalid"}` },
      });
      return probeResult(sent.outcome);
    };
    const good = await probe("good");
    const bad = await probe("bad");
    return { ...judgeSignatureCheck(good, bad), good, bad };
  };
}

export type SignatureCheck = ReturnType<typeof createSignatureCheck>;

import type { DialectName, DialectVerifier } from "../types";
import { custom } from "./custom";
import { meta } from "./meta";
import { oblic } from "./oblic";
import { oneroute } from "./oneroute";
import { slack } from "./slack";
import { standardWebhooks } from "./standard-webhooks";
import { telegram } from "./telegram";
import { wappcloud } from "./wappcloud";

/** Every dialect hookrelay signs in; a new one is a module and a line here. */
export const VERIFIERS: Record<DialectName, DialectVerifier> = {
  meta,
  wappcloud,
  oneroute,
  oblic,
  slack,
  telegram,
  "standard-webhooks": standardWebhooks,
  custom,
};

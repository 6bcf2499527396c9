import type { Replay } from "../api/types";
import type { MessageKey } from "../i18n/en";

export const REPLAY_STATUS: Record<Replay["status"], MessageKey> = {
  running: "replay.status.running",
  completed: "replay.status.completed",
  cancelled: "replay.status.cancelled",
};

/** The badge's colour: running is news, completed went well, cancelled stopped. */
export const REPLAY_TONE: Record<Replay["status"], string> = {
  running: "badge-test",
  completed: "badge-healthy",
  cancelled: "badge-disabled",
};

import { Redis } from "ioredis";

/**
 * BullMQ needs `maxRetriesPerRequest: null` on connections used by workers (blocking
 * commands must wait out a Redis restart instead of failing the job).
 */
export function createRedis(url: string, role: "client" | "worker" = "client"): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === "worker" ? null : 3,
    enableReadyCheck: true,
    lazyConnect: false,
  });
}

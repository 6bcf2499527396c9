/** Time as a dependency, so tests can pin it and policies stay pure. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

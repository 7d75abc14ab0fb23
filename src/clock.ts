/** Time is a dependency, so that tests can replay days and time zones. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

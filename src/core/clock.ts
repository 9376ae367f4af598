/** Where time comes from. Inject a fake one in tests instead of sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** DI token of the {@link Clock} nest-warden uses. */
export const WARDEN_CLOCK = 'WARDEN:CLOCK';

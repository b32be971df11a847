/** The time source services use; tests may pass their own. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

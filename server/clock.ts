/** The business clock. One place, so tests (and later, a controllable demo clock) can move time. */
export const systemClock = () => new Date();

/**
 * Behaviour specifications both effect-auth lines run against their own servers: plain TypeScript over real HTTP,
 * importing neither `effect` nor a test runner, so the Effect 3 line (vitest 3) and the Effect 4 line (vitest 5) share
 * one source of each case.
 */
export {}

/**
 * The machine's own times in B1 and B3: boot (B) and OpenClaw's gateway start-up (G), shortened
 * from real Fly seconds so a run stays short; B + G is the floor no client can beat.
 */
export const BOOT_MS = 1_500;
export const GATEWAY_MS = 4_000;

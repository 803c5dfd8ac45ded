/**
 * Every identifier the emulator hands out (Machine, volume, snapshot, instance and request ids, lease nonces,
 * pairing codes, names, addresses), in Fly's formats, drawn from one seeded generator.
 */
import { Random } from "./random.js";

const HEX = "0123456789abcdef";
const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const MIXED_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
// Pairing codes avoid look-alike characters (0/O, 1/I), as chat pairing codes usually do.
const PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const NAME_ADJECTIVES = [
  "ancient",
  "bold",
  "calm",
  "damp",
  "eager",
  "frosty",
  "gentle",
  "hidden",
  "icy",
  "jolly",
  "lively",
  "misty",
  "quiet",
  "rough",
  "silent",
  "twilight",
];
const NAME_NOUNS = [
  "brook",
  "cloud",
  "dawn",
  "field",
  "forest",
  "glade",
  "harbor",
  "lake",
  "meadow",
  "moon",
  "river",
  "shadow",
  "snow",
  "star",
  "wave",
  "wind",
];

/** Generates every identifier the emulator hands out, in Fly's formats, from one seeded generator. */
export class Ids {
  private readonly random: Random;

  /** @param seed the same seed gives the same random parts (time-based parts still follow the clock). */
  constructor(seed: number) {
    this.random = new Random(seed);
  }

  /** A Machine id: 14 lowercase hex characters. */
  machineId(): string {
    return this.random.chars(HEX, 14);
  }

  /** A volume id: `vol_` and 16 lowercase letters or digits. */
  volumeId(): string {
    return `vol_${this.random.chars(LOWER_ALNUM, 16)}`;
  }

  /** A snapshot id: `vs_` and 16 letters or digits. */
  snapshotId(): string {
    return `vs_${this.random.chars(MIXED_ALNUM, 16)}`;
  }

  /** A ULID-like id (26 Crockford base-32 characters, time first), used for instance, event and request ids. */
  ulid(nowMs: number = Date.now()): string {
    let time = "";
    let rest = Math.floor(nowMs);
    for (let i = 0; i < 10; i++) {
      time = CROCKFORD[rest % 32] + time;
      rest = Math.floor(rest / 32);
    }
    return time + this.random.chars(CROCKFORD, 16);
  }

  /** A `fly-request-id` value, a ULID followed by the region, as Fly's are. */
  requestId(region: string): string {
    return `${this.ulid()}-${region}`;
  }

  /** A lease nonce: 32 hex characters. */
  nonce(): string {
    return this.random.chars(HEX, 32);
  }

  /** A Telegram pairing code: 8 uppercase letters or digits. */
  pairingCode(): string {
    return this.random.chars(PAIRING_ALPHABET, 8);
  }

  /** A Telegram user id: nine or ten digits. */
  telegramUserId(): string {
    return String(100_000_000 + this.random.int(1_900_000_000));
  }

  /** A Machine name in Fly's `adjective-noun-1234` style. */
  machineName(): string {
    return `${this.random.pick(NAME_ADJECTIVES)}-${this.random.pick(NAME_NOUNS)}-${1000 + this.random.int(9000)}`;
  }

  /** A 6PN private address. */
  privateIp(): string {
    return `fdaa:0:${this.random.chars(HEX, 4)}:a7b:${this.random.chars(HEX, 4)}:${this.random.chars(HEX, 4)}:${this.random.chars(HEX, 4)}:2`;
  }

  /** A volume zone tag. */
  zone(): string {
    return this.random.chars(HEX, 4);
  }

  /** A content digest for images and snapshots. */
  digest(): string {
    return this.random.chars(HEX, 64);
  }

  /** An API token, when the caller did not choose one. */
  token(): string {
    return `fly-emu-${this.random.chars(HEX, 40)}`;
  }
}

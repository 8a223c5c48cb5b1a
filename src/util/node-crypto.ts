import type * as Crypto from "node:crypto";
import { createRequire } from "node:module";

const requireHere = createRequire(import.meta.url);
let loaded: typeof Crypto | undefined;

/**
 * node:crypto, loaded on first use: it takes ~4.5 ms to load, which a replay with nothing new
 * (about 0.2 s in all) never needs, though it imports the lock and cursor modules.
 */
export function nodeCrypto(): typeof Crypto {
  loaded ??= requireHere("node:crypto") as typeof Crypto;
  return loaded;
}

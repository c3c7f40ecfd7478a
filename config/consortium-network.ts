/**
 * The `consortium` network (the consortium's private Besu QBFT / GoQuorum chain), configured
 * entirely from environment variables; nothing secret lives in the repository. See .env.example.
 */
import fs from "node:fs";
import { Wallet } from "ethers";

/** Raised for a missing or malformed variable; its message is one line naming the variable. */
export class ConsortiumNetworkConfigError extends Error {}

export interface ConsortiumNetworkConfig {
  url: string;
  chainId: number;
  gasPrice: number;
  accounts: string[];
}

export type Environment = Record<string, string | undefined>;

const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;

function required(env: Environment, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConsortiumNetworkConfigError(`${name} is not set (see .env.example)`);
  return value;
}

function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConsortiumNetworkConfigError(`CONSORTIUM_RPC_URL is not a URL: "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConsortiumNetworkConfigError(`CONSORTIUM_RPC_URL must be http(s), got "${url.protocol}"`);
  }
  return value;
}

function parseWholeNumber(name: string, value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ConsortiumNetworkConfigError(`${name} must be a whole number, got "${value}"`);
  }
  return Number(value);
}

function parseKeys(value: string): string[] {
  return value.split(",").map((raw, index) => {
    const key = raw.trim();
    const prefixed = key.startsWith("0x") ? key : `0x${key}`;
    if (!PRIVATE_KEY.test(prefixed)) {
      const length = prefixed.length - 2;
      throw new ConsortiumNetworkConfigError(
        `CONSORTIUM_PRIVATE_KEYS entry ${index + 1} must be 32 bytes of hex (64 characters), got ${length} characters`,
      );
    }
    return prefixed;
  });
}

function keystoreAccount(env: Environment, file: string): string {
  const password = env.CONSORTIUM_KEYSTORE_PASSWORD;
  if (password === undefined) {
    throw new ConsortiumNetworkConfigError("CONSORTIUM_KEYSTORE_PASSWORD is not set (needed for CONSORTIUM_KEYSTORE)");
  }
  let json: string;
  try {
    json = fs.readFileSync(file, "utf8");
  } catch {
    throw new ConsortiumNetworkConfigError(`CONSORTIUM_KEYSTORE: cannot read "${file}"`);
  }
  try {
    return Wallet.fromEncryptedJsonSync(json, password).privateKey;
  } catch {
    throw new ConsortiumNetworkConfigError(`CONSORTIUM_KEYSTORE: "${file}" is not a keystore this password opens`);
  }
}

/**
 * Reads the consortium network from `env`: CONSORTIUM_RPC_URL, CONSORTIUM_CHAIN_ID,
 * CONSORTIUM_GAS_PRICE (wei; default 0 for free-gas chains) and the signing keys, from
 * CONSORTIUM_PRIVATE_KEYS (comma-separated) or CONSORTIUM_KEYSTORE (+ CONSORTIUM_KEYSTORE_PASSWORD).
 */
export function consortiumNetworkFromEnv(env: Environment): ConsortiumNetworkConfig {
  const url = parseUrl(required(env, "CONSORTIUM_RPC_URL"));
  const chainId = parseWholeNumber("CONSORTIUM_CHAIN_ID", required(env, "CONSORTIUM_CHAIN_ID"));
  const gasPrice = parseWholeNumber("CONSORTIUM_GAS_PRICE", env.CONSORTIUM_GAS_PRICE?.trim() || "0");
  const keys = env.CONSORTIUM_PRIVATE_KEYS?.trim();
  const keystore = env.CONSORTIUM_KEYSTORE?.trim();
  if (keys && keystore) {
    throw new ConsortiumNetworkConfigError("set CONSORTIUM_PRIVATE_KEYS or CONSORTIUM_KEYSTORE, not both");
  }
  if (!keys && !keystore) {
    throw new ConsortiumNetworkConfigError(
      "CONSORTIUM_PRIVATE_KEYS or CONSORTIUM_KEYSTORE is not set (see .env.example)",
    );
  }
  const accounts = keys ? parseKeys(keys) : [keystoreAccount(env, keystore!)];
  return { url, chainId, gasPrice, accounts };
}

/** Whether this Hardhat invocation targets the consortium network. */
export function consortiumNetworkSelected(argv: string[], env: Environment): boolean {
  if (env.HARDHAT_NETWORK === "consortium") return true;
  const flag = argv.indexOf("--network");
  return (flag !== -1 && argv[flag + 1] === "consortium") || argv.includes("--network=consortium");
}

import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { GovError } from "./errors";
import { parseAddress } from "./parse";

/** The environment variable holding the keystore password (else it is asked on the terminal). */
export const KEYSTORE_PASSWORD_ENV = "CONSORTIUM_KEYSTORE_PASSWORD";

/** How a task gets its key: one of the network's accounts (--from) or a JSON keystore (--keystore). */
export interface KeyOptions {
  from?: string;
  keystore?: string;
}

/** A signer that can send transactions on the selected network and tells its address. */
export type TaskSigner = ethers.Signer & { address: string };

/** The terminal input a password is read from (process.stdin; a fake one in tests). */
export interface PasswordInput {
  isTTY?: boolean;
  setRawMode(mode: boolean): unknown;
  resume(): unknown;
  pause(): unknown;
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: "data", listener: (chunk: Buffer | string) => void): unknown;
}

/**
 * Reads a password from the terminal without echoing it (raw mode: nothing typed is shown; Enter
 * ends, Backspace erases, Ctrl-C cancels). Without a terminal it fails with a one-line error.
 */
export async function promptPassword(
  question: string,
  stdin: PasswordInput = process.stdin as unknown as PasswordInput,
): Promise<string> {
  if (!stdin.isTTY) {
    throw new GovError(`the keystore needs a password: set ${KEYSTORE_PASSWORD_ENV} or run the task in a terminal`);
  }
  return new Promise<string>((resolve, reject) => {
    let password = "";
    const done = (error?: Error) => {
      stdin.removeListener("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(password);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done();
        if (ch === "\u0003") return done(new GovError("cancelled at the password prompt"));
        if (ch === "\u007f" || ch === "\b") password = password.slice(0, -1);
        else password += ch;
      }
    };
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/** Decrypts an encrypted JSON keystore (password from the environment, else the terminal). */
export async function openKeystore(file: string): Promise<ethers.Wallet | ethers.HDNodeWallet> {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) throw new GovError(`no keystore file at ${resolved}`);
  const json = fs.readFileSync(resolved, "utf8");
  if (!ethers.isKeystoreJson(json)) throw new GovError(`${resolved} is not an encrypted JSON keystore`);
  const question = `Password for keystore ${path.basename(resolved)}: `;
  const fromEnv = process.env[KEYSTORE_PASSWORD_ENV];
  const decrypt = async (password: string) => {
    try {
      return await ethers.Wallet.fromEncryptedJson(json, password);
    } catch (e) {
      throw new GovError(`cannot decrypt keystore ${resolved}: ${(e as Error).message.split("(")[0].trim()}`);
    }
  };
  if (fromEnv === undefined) return decrypt(await promptPassword(question));
  try {
    return await decrypt(fromEnv);
  } catch (e) {
    // The variable may hold the password of the network's CONSORTIUM_KEYSTORE: ask at a terminal.
    if (!process.stdin.isTTY) throw e;
    return decrypt(await promptPassword(`${KEYSTORE_PASSWORD_ENV} does not open it. ${question}`));
  }
}

function checkExclusive(options: KeyOptions): void {
  if (options.from !== undefined && options.keystore !== undefined) {
    throw new GovError("use either --from or --keystore, not both");
  }
}

/** The account index or address given with --from (default: account 0). */
function parseFrom(from: string | undefined): number | string {
  const value = (from ?? "0").trim();
  if (/^\d+$/.test(value)) return Number(value);
  return parseAddress(value, "--from");
}

/**
 * The signer for a transaction: the keystore's key, connected to the selected network, or one of
 * the network's configured accounts (by index or address; default account 0).
 */
export async function resolveSigner(hre: HardhatRuntimeEnvironment, options: KeyOptions): Promise<TaskSigner> {
  checkExclusive(options);
  if (options.keystore !== undefined) {
    const wallet = await openKeystore(options.keystore);
    return wallet.connect(hre.ethers.provider) as TaskSigner;
  }
  const from = parseFrom(options.from);
  const signers = await hre.ethers.getSigners();
  if (typeof from === "number") {
    if (from >= signers.length) {
      throw new GovError(
        `--from ${from}: network "${hre.network.name}" has ${signers.length} account(s) (indexes 0 to ${signers.length - 1})`,
      );
    }
    return signers[from];
  }
  const signer = signers.find((s) => s.address.toLowerCase() === from.toLowerCase());
  if (!signer) {
    throw new GovError(
      `--from ${from} is not one of network "${hre.network.name}"'s accounts: configure its key for the network or use --keystore`,
    );
  }
  return signer;
}

/** The private keys the network configuration holds (none for "remote" accounts). */
export function configuredWallets(hre: HardhatRuntimeEnvironment): ethers.BaseWallet[] | undefined {
  const accounts = hre.network.config.accounts as
    | "remote"
    | (string | { privateKey: string })[]
    | { mnemonic: string; path: string; initialIndex: number; count: number; passphrase?: string };
  if (accounts === "remote") return undefined;
  if (Array.isArray(accounts)) {
    return accounts.map((a) => new ethers.Wallet(typeof a === "string" ? a : a.privateKey));
  }
  const seed = ethers.Mnemonic.fromPhrase(accounts.mnemonic, accounts.passphrase ?? "").computeSeed();
  const root = ethers.HDNodeWallet.fromSeed(seed);
  const wallets: ethers.BaseWallet[] = [];
  for (let i = 0; i < accounts.count; i++) {
    wallets.push(root.derivePath(`${accounts.path}/${accounts.initialIndex + i}`));
  }
  return wallets;
}

/**
 * A signer for an offline signature (gov:sign-vote): the keystore's key, or the network account's
 * key taken from the configuration, so that no request reaches the network. Falls back to the
 * network's signer when the accounts are "remote" (held by the node).
 */
export async function resolveOfflineSigner(hre: HardhatRuntimeEnvironment, options: KeyOptions): Promise<TaskSigner> {
  checkExclusive(options);
  if (options.keystore !== undefined) return (await openKeystore(options.keystore)) as TaskSigner;
  const wallets = configuredWallets(hre);
  if (!wallets) return resolveSigner(hre, options);
  const from = parseFrom(options.from);
  if (typeof from === "number") {
    if (from >= wallets.length) {
      throw new GovError(`--from ${from}: network "${hre.network.name}" has ${wallets.length} account(s)`);
    }
    return wallets[from] as TaskSigner;
  }
  const wallet = wallets.find((w) => w.address.toLowerCase() === from.toLowerCase());
  if (!wallet) {
    throw new GovError(`--from ${from} is not one of network "${hre.network.name}"'s accounts: use --keystore`);
  }
  return wallet as TaskSigner;
}

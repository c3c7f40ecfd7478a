import fs from "node:fs";
import { inspect } from "node:util";
import { HardhatPluginError } from "hardhat/plugins";

/** The plugin name Hardhat prints in front of a task's error ("Error in plugin consortium: ..."). */
export const PLUGIN_NAME = "consortium";

/**
 * Bad input or a refused operation: Hardhat prints the message on one line and exits with code 1.
 * Every check that can fail runs before a transaction is sent, so this error means nothing was sent
 * unless the message says otherwise.
 */
export class GovError extends HardhatPluginError {
  constructor(message: string, parent?: Error) {
    super(PLUGIN_NAME, oneLine(message), parent);
    // HardhatPluginError's constructor resets the prototype to its own: restore the subclass's.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = "GovError";
  }

  /**
   * Hardhat prints errors' stack traces by default on headless Linux (it takes it for CI), under
   * the one-line message: for a GovError that trace says nothing to a member, so it is left out
   * unless --show-stack-traces is given.
   */
  [inspect.custom](): string {
    if (!process.argv.includes("--show-stack-traces")) return "";
    const hardhatInspect = (HardhatPluginError.prototype as unknown as Record<symbol, () => string>)[inspect.custom];
    return hardhatInspect.call(this);
  }
}

/** Collapses whitespace and line breaks so that a message prints as one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** Whether `error` is a GovError (or any Hardhat plugin error, which also prints as one line). */
export function isGovError(error: unknown): error is HardhatPluginError {
  return HardhatPluginError.isHardhatPluginError(error);
}

/**
 * The JSON in `file`, or a one-line GovError saying that `name` (the file, or the option and the
 * file) is not valid JSON.
 */
export function readJsonFile(file: string, name: string = file): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new GovError(`${name} is not valid JSON: ${(e as Error).message}`);
  }
}

import type { ConfigurableTaskDefinition } from "hardhat/types";
import { print } from "./tx";

/** Adds `--json`: print one JSON document instead of text. */
export function withJson(t: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return t.addFlag("json", "Print the result as one JSON document instead of text");
}

/** JSON text of a task result: bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** A task's output: text lines, or (with --json) only the final result as JSON. */
export interface Reporter {
  line(text?: string): void;
  done<T>(result: T): T;
}

export function reporter(json: boolean | undefined): Reporter {
  return {
    line: (text = "") => {
      if (!json) print(text);
    },
    done: <T>(result: T): T => {
      if (json) print(toJson(result));
      return result;
    },
  };
}

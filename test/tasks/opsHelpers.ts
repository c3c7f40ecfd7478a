import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { stripVTControlCharacters } from "node:util";
import { tmpFile } from "./helpers";

/** Writes `lines` (a header, then rows) to a fresh CSV file in the tests' folder and returns its path. */
export function csvFile(lines: string[], name = "rows.csv"): string {
  const file = tmpFile(name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/**
 * Runs the Hardhat CLI of this project in a child process, its environment changed by `env`
 * (undefined removes a variable); resolves with the exit code and the output without colours.
 */
export function hardhatCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ status: number | null; output: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve("hardhat/internal/cli/bootstrap.js"), ...args], {
      cwd: path.join(__dirname, "..", ".."),
      env: childEnv,
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (status) => resolve({ status, output: stripVTControlCharacters(output) }));
  });
}

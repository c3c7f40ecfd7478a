import fs from "node:fs";
import path from "node:path";

export const LOCALHOST_PARAMETERS = path.join(__dirname, "..", "..", "ignition", "parameters", "localhost.json");

/** The localhost Ignition parameters (plain JSON; the example file is JSON5 with comments). */
export function localhostParameters() {
  return JSON.parse(fs.readFileSync(LOCALHOST_PARAMETERS, "utf8"));
}

import fs from "node:fs";
import { tmpFile } from "./helpers";

/** Writes `lines` (a header, then rows) to a fresh CSV file in the tests' folder and returns its path. */
export function csvFile(lines: string[], name = "rows.csv"): string {
  const file = tmpFile(name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

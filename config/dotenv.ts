import fs from "node:fs";
import path from "node:path";

/** Names the file to load instead of the project's `.env` (e.g. one file per chain). */
export const ENV_FILE_VARIABLE = "CONSORTIUM_ENV_FILE";

/**
 * The variables of a `.env` text: `KEY=value` lines (an optional `export ` in front), values bare,
 * 'single-quoted' (taken as written) or "double-quoted" (with \n escapes); blank lines and `#`
 * comments are skipped, as is a ` # comment` after a bare value. Throws on a line that is none of
 * these, naming its line number.
 */
export function parseDotEnv(text: string, file = ".env"): Record<string, string> {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`${file} line ${i + 1}: expected KEY=value`);
    const [, key, rest] = match;
    let value: string;
    const quoted = /^(["'])(.*)\1\s*(#.*)?$/.exec(rest);
    if (quoted) value = quoted[1] === '"' ? quoted[2].replace(/\\n/g, "\n").replace(/\\"/g, '"') : quoted[2];
    else value = rest.replace(/\s+#.*$/, "").trim();
    values[key] = value;
  });
  return values;
}

/**
 * Loads the project's `.env` (or the file CONSORTIUM_ENV_FILE names) into `env`. A variable already
 * set in the environment wins over the file, so a command line can still override it; an empty
 * entry sets nothing. No file, no change. Returns the names it set.
 */
export function loadDotEnv(root: string, env: NodeJS.ProcessEnv = process.env): { file: string; loaded: string[] } {
  const file = path.resolve(root, env[ENV_FILE_VARIABLE] ?? ".env");
  if (!fs.existsSync(file)) {
    if (env[ENV_FILE_VARIABLE] !== undefined) throw new Error(`${ENV_FILE_VARIABLE}: no file at ${file}`);
    return { file, loaded: [] };
  }
  const loaded: string[] = [];
  for (const [key, value] of Object.entries(parseDotEnv(fs.readFileSync(file, "utf8"), file))) {
    // an empty entry (KEY=) means "not set", as in .env.example's blanks
    if (env[key] !== undefined || value === "") continue;
    env[key] = value;
    loaded.push(key);
  }
  return { file, loaded };
}

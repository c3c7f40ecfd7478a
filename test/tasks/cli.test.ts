import { stripVTControlCharacters } from "node:util";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { tmpFile } from "./helpers";

describe("tasks: from the shell", () => {
  it("`npx hardhat gov:vote` with bad input prints one line and exits non-zero", function () {
    this.timeout(60_000);
    const root = path.join(__dirname, "..", "..");
    const env = { ...process.env };
    // Hardhat prints stack traces under errors on headless Linux (it takes it for CI): check that
    // case, where a member's operator is most likely to run the tasks.
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    delete env.CONSORTIUM_KEYSTORE_PASSWORD;
    const missing = tmpFile("none.json");
    const run = spawnSync(
      process.execPath,
      [require.resolve("hardhat/internal/cli/bootstrap.js"), "gov:vote", "1", "for", "--deployment", missing],
      { cwd: root, env, encoding: "utf8", timeout: 55_000 },
    );
    expect(run.status, run.stderr).to.equal(1);
    // Colours, where the terminal (or a CI variable) asks for them, are not part of the message.
    const output = stripVTControlCharacters(`${run.stdout}\n${run.stderr}`);
    const lines = output.split("\n").filter((line) => line.trim() !== "");
    expect(lines).to.deep.equal([
      `Error in plugin consortium: no deployment file at ${missing} (--deployment takes a deployed_addresses.json or its folder)`,
    ]);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ENV_FILE_VARIABLE, loadDotEnv, parseDotEnv } from "../../config/dotenv";
import { hardhatCli } from "../tasks/opsHelpers";

describe("config: .env loading", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "consortium-dotenv-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("parses KEY=value lines: bare, quoted, export, comments and blanks", () => {
    const text = [
      "# the chain",
      "",
      "FREE_GAS=true",
      "export EVM_VERSION = berlin  # GoQuorum",
      "CONSORTIUM_RPC_URL='https://node:8545/#not-a-comment'",
      'NOTE="two\\nlines"',
      "EMPTY=",
    ].join("\n");
    expect(parseDotEnv(text)).to.deep.equal({
      FREE_GAS: "true",
      EVM_VERSION: "berlin",
      CONSORTIUM_RPC_URL: "https://node:8545/#not-a-comment",
      NOTE: "two\nlines",
      EMPTY: "",
    });
    expect(() => parseDotEnv("FREE_GAS=true\nnot a setting", "x/.env")).to.throw("x/.env line 2: expected KEY=value");
  });

  it("loads the project's .env without overriding the environment; empty entries set nothing", () => {
    fs.writeFileSync(path.join(dir, ".env"), "FREE_GAS=true\nEVM_VERSION=berlin\nCONSORTIUM_KEYSTORE=\n");
    const env: NodeJS.ProcessEnv = { EVM_VERSION: "shanghai" };
    const { loaded } = loadDotEnv(dir, env);
    expect(loaded).to.deep.equal(["FREE_GAS"]);
    expect(env).to.deep.equal({ EVM_VERSION: "shanghai", FREE_GAS: "true" });
    expect(loadDotEnv(path.join(dir, "none"), {}).loaded).to.deep.equal([]);
    expect(() => loadDotEnv(dir, { [ENV_FILE_VARIABLE]: "missing.env" })).to.throw(/CONSORTIUM_ENV_FILE: no file at/);
  });

  it("Hardhat reads FREE_GAS from the file: the in-process network's gas price is then 0", async function () {
    this.timeout(90_000);
    const file = path.join(dir, "free-gas.env");
    fs.writeFileSync(file, "FREE_GAS=true\n");
    const env = { [ENV_FILE_VARIABLE]: file, FREE_GAS: undefined };
    // --no-compile: the script needs no contracts, and a compile here would overwrite the artifacts
    // the running suite uses (under `npm run coverage`, the instrumented ones).
    const price = await hardhatCli(
      ["run", "--no-compile", path.join(__dirname, "..", "fixtures", "printGasPrice.ts")],
      env,
    );
    expect(price.output.trim().split("\n").pop()).to.equal("gasPrice 0");
  });
});

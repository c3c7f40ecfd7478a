import http from "node:http";
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expectTaskError, runTask } from "./helpers";
import { hardhatCli } from "./opsHelpers";

describe("tasks: dev:advance", () => {
  it("moves the in-process node's time and mines; --json shape; --to takes a time with its zone", async () => {
    const before = BigInt(await time.latest());
    const block = await ethers.provider.getBlockNumber();
    const { result, text } = await runTask<{ from: bigint; to: bigint; time: bigint; blocks: bigint }>("dev:advance", {
      duration: "2d",
      blocks: "3",
    });
    expect(text).to.match(/The chain's time is now/);
    expect(result.to).to.equal(before + 2n * 86_400n);
    expect(result.time).to.be.at.least(result.to);
    expect(BigInt(await time.latest())).to.be.at.least(before + 2n * 86_400n);
    expect(await ethers.provider.getBlockNumber()).to.equal(block + 3);
    const target = Number(result.time) + 86_400;
    const iso = new Date(target * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const { result: json, lines } = await runTask<Record<string, unknown>>("dev:advance", { to: iso, json: true });
    expect(Object.keys(JSON.parse(lines.join("\n"))).sort()).to.deep.equal(["blocks", "dryRun", "from", "time", "to"]);
    expect(json.time).to.equal(BigInt(target));
  });

  it("--dry-run changes nothing; bad input is refused in one line", async () => {
    const block = await ethers.provider.getBlockNumber();
    const now = await time.latest();
    const { text } = await runTask("dev:advance", { duration: "1h", dryRun: true });
    expect(text).to.include("Dry run: nothing was changed.");
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect(await time.latest()).to.equal(now);
    await expectTaskError("dev:advance", {}, /give a duration \(e.g. 2d\) or --to/);
    await expectTaskError("dev:advance", { to: "2099-01-01T00:00:00" }, /--to: .* has no time zone/);
    await expectTaskError("dev:advance", { duration: "soon" }, /duration: "soon" is not a duration/);
  });

  it("is refused on a network that is not a local Hardhat or anvil node", async function () {
    this.timeout(90_000);
    // a node that says it is Besu (chain 1337), at a local URL
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string };
        const results: Record<string, unknown> = {
          eth_chainId: "0x539",
          net_version: "1337",
          web3_clientVersion: "besu/v24.3.0/linux-x86_64/openjdk-java-21",
          eth_accounts: [],
        };
        const reply =
          method in results
            ? { jsonrpc: "2.0", id, result: results[method] }
            : { jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } };
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const run = await hardhatCli(["dev:advance", "1d", "--network", "localhost"], {
        LOCALHOST_URL: `http://127.0.0.1:${port}`,
      });
      expect(run.status, run.output).to.equal(1);
      expect(run.output).to.include(
        'dev:advance only runs on a local rehearsal node (hardhat, or localhost running Hardhat or anvil): network "localhost" is chain 1337 (besu/v24.3.0',
      );
    } finally {
      server.close();
    }
  });
});

import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { createProvider } from "hardhat/internal/core/providers/construction";
import type { HardhatRuntimeEnvironment, HttpNetworkConfig } from "hardhat/types";
import { chainIdOf } from "../../tasks/lib/system";
import { parseIsoTime } from "../../tasks/lib/time";
import { parseTime as parseActionTime } from "../../tasks/lib/corporateActions";
import { parseTime as parseAssetTime } from "../../tasks/lib/assetRegistry";
import { parseExpiry } from "../../tasks/lib/trade";
import fs from "node:fs";
import { readJsonFile } from "../../tasks/lib/errors";
import { expectTaskError, proposeAdmission, runTask, tasksFixture, tmpFile } from "./helpers";

/** A JSON-RPC node of chain 2018 that answers eth_chainId only. */
async function chain2018(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const { id } = JSON.parse(body) as { id: number };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x7e2" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** The network "besu" of chain `chainId` at `url`, as the tasks see it. */
async function besuAt(url: string, chainId: number): Promise<HardhatRuntimeEnvironment> {
  const config: Omit<HttpNetworkConfig, "ignition"> = {
    url,
    chainId,
    accounts: [],
    gas: "auto",
    gasPrice: "auto",
    gasMultiplier: 1,
    httpHeaders: {},
    timeout: 5000,
  };
  const provider = await createProvider(
    { ...hre.config, networks: { ...hre.config.networks, besu: config as HttpNetworkConfig } },
    "besu",
  );
  return { network: { name: "besu", config, provider } } as unknown as HardhatRuntimeEnvironment;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("it did not fail");
}

describe("tasks: clear one-line messages", () => {
  it("a chain-id mismatch says the expected and the found chain, not that the node is unreachable", async () => {
    const node = await chain2018();
    try {
      const message = await failure(chainIdOf(await besuAt(node.url, 1337)));
      expect(message).to.equal(
        `wrong chain: network "besu" expects chain id 1337 (its chainId in hardhat.config.ts), but the node at ${node.url} is chain 2018`,
      );
      expect(await chainIdOf(await besuAt(node.url, 2018))).to.equal(2018n);
    } finally {
      node.close();
    }
  });

  it("a refused connection names the URL", async () => {
    const node = await chain2018();
    node.close();
    const message = await failure(chainIdOf(await besuAt(node.url, 2018)));
    expect(message).to.equal(
      `cannot reach network "besu": the connection to ${node.url} was refused (is the node running?)`,
    );
  });

  it("a missing parameters file names the file looked for", async () => {
    const f = await loadFixture(tasksFixture);
    await expectTaskError(
      "consortium:verify-deployment",
      { deployment: f.deployment },
      /^no parameters file: looked for \S+ignition\/parameters\/hardhat\.json \(network "hardhat"\); give --parameters <file>/,
    );
  });

  it("a file that is not JSON is named in one line (with the option that named it), before anything is sent", async () => {
    const broken = tmpFile("deployed_addresses.json");
    fs.writeFileSync(broken, "{ not json");
    expect(() => readJsonFile(broken)).to.throw(new RegExp(`^${broken} is not valid JSON: [^\\n]+$`));
    expect(() => readJsonFile(broken, `--calls: ${broken}`)).to.throw(/^--calls: .+ is not valid JSON: /);
    await loadFixture(tasksFixture);
    await expectTaskError("members", { deployment: broken }, /deployed_addresses\.json is not valid JSON: /);
  });

  it("a time without a zone is refused (local time is never read); a date alone is UTC midnight", () => {
    const noZone = /"2026-12-31T09:30:00" has no time zone \(end it with Z or \+08:00; local time is never assumed\)/;
    expect(() => parseIsoTime("2026-12-31T09:30:00", "--at")).to.throw(noZone);
    expect(() => parseActionTime("2026-12-31T09:30:00", "--record-time")).to.throw(noZone);
    expect(() => parseAssetTime("2026-12-31T09:30:00", "--maturity")).to.throw(noZone);
    expect(() => parseExpiry("2026-12-31T09:30:00", 0n)).to.throw(noZone);
    expect(parseIsoTime("2026-12-31", "--at")).to.equal(BigInt(Date.UTC(2026, 11, 31) / 1000));
    expect(parseIsoTime("2026-12-31T09:30:00Z", "--at")).to.equal(BigInt(Date.UTC(2026, 11, 31, 9, 30) / 1000));
    expect(parseIsoTime("2026-12-31T09:30:00+08:00", "--at")).to.equal(BigInt(Date.UTC(2026, 11, 31, 1, 30) / 1000));
    expect(parseIsoTime("12345", "--at")).to.equal(undefined);
  });

  it("a vote on a cancelled proposal says it was cancelled, not when the vote ended", async () => {
    const f = await loadFixture(tasksFixture);
    const id = await proposeAdmission(f, f.others[0].address);
    await runTask("gov:cancel", { deployment: f.deployment, from: "1", proposalId: id.toString() });
    const { message } = await expectTaskError(
      "gov:vote",
      { deployment: f.deployment, from: "2", proposalId: id.toString(), support: "for" },
      /^proposal #1 was cancelled: it can no longer be voted on$/,
    );
    expect(message).to.not.include("ended");
  });
});

import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { EIP1193Provider, RequestArguments } from "hardhat/types";
import { Attr, Country } from "../../scripts/lib/constants";
import { deploymentBlock } from "../../tasks/lib/assets";
import { loadSystem } from "../../tasks/lib/system";
import { DEFAULT_LOG_RANGE, LOG_RANGE_ENV, getLogsInChunks, logRangeOf } from "../../tasks/lib/logs";
import { BESU_LOG_RANGE_ERROR as BESU_RANGE_ERROR, exceedsLogRange } from "../fixtures/besu";
import { runTask, tasksFixture } from "./helpers";

/**
 * The in-process node behind a log-range cap enforced as Besu does (toBlock - fromBlock above the
 * cap is refused with -32005). Counts the eth_getLogs requests it answered and refused.
 */
function cappedProvider(inner: EIP1193Provider, cap: number) {
  const counts = { answered: 0, refused: 0 };
  const request = async (args: RequestArguments): Promise<unknown> => {
    if (args.method === "eth_getLogs") {
      const [filter] = args.params as [{ fromBlock?: string; toBlock?: string }];
      const latest = Number(await inner.request({ method: "eth_blockNumber" }));
      if (exceedsLogRange(filter, latest, cap)) {
        counts.refused += 1;
        throw Object.assign(new Error(BESU_RANGE_ERROR.message), BESU_RANGE_ERROR);
      }
      counts.answered += 1;
    }
    return inner.request(args);
  };
  return { request, counts };
}

/** The system with a verified holder, and logs of the token spread over more than 12,000 blocks. */
async function spreadLogsFixture() {
  const f = await tasksFixture();
  const [holder] = f.others;
  await f.identityRegistry
    .connect(f.registrar)
    .registerIdentity(holder.address, ethers.id("H"), Country.CN, (await time.latest()) + 10 ** 8, Attr.INVESTOR);
  // Ignition's journal beside the deployment file says where each contract was created (the tasks
  // read logs from there); the in-process deployment writes none, so write its entries here.
  const sys = await loadSystem(hre, f.deployment);
  const journal = [];
  for (const contract of [f.securityToken, f.governor, f.invoiceRegistry]) {
    const contractAddress = await contract.getAddress();
    const blockNumber = await deploymentBlock(sys, contractAddress);
    journal.push(JSON.stringify({ type: "TRANSACTION_CONFIRM", receipt: { contractAddress, blockNumber } }));
  }
  fs.writeFileSync(path.join(path.dirname(f.deployment), "journal.jsonl"), journal.join("\n") + "\n");
  const first = await ethers.provider.getBlockNumber();
  await f.securityToken.connect(f.agent).mint(holder.address, 1n);
  await mine(6_000);
  await f.securityToken.connect(f.agent).setCountryAllowed(Country.HK, true);
  await mine(6_500);
  await f.securityToken.connect(f.agent).setCountryAllowed(Country.SG, true);
  await f.securityToken.connect(f.agent).mint(holder.address, 2n);
  return { ...f, holder, first };
}

describe("tasks/lib/logs: every log read in ranges a Besu node accepts", () => {
  afterEach(() => {
    delete process.env[LOG_RANGE_ENV];
  });

  it("reads logs over 12,000 blocks in requests of at most 5,000 blocks, where one request is refused", async () => {
    const f = await loadFixture(spreadLogsFixture);
    const capped = cappedProvider(hre.network.provider, DEFAULT_LOG_RANGE);
    const provider = new ethers.BrowserProvider(capped);
    const latest = await provider.getBlockNumber();
    const filter = { address: await f.securityToken.getAddress() };
    // the whole range in one request: Besu refuses it
    await expect(provider.getLogs({ ...filter, fromBlock: f.first, toBlock: latest })).to.be.rejected;
    expect(capped.counts.refused).to.equal(1);

    const logs = await getLogsInChunks(provider, filter, f.first, latest, logRangeOf(hre));
    const direct = await ethers.provider.getLogs({ ...filter, fromBlock: f.first, toBlock: latest });
    expect(logs.map((l) => [l.blockNumber, l.index])).to.deep.equal(direct.map((l) => [l.blockNumber, l.index]));
    expect(logs.length).to.be.greaterThan(3);
    expect(capped.counts.refused).to.equal(1); // no refusal while reading in chunks
    expect(capped.counts.answered).to.equal(Math.ceil((latest - f.first + 1) / DEFAULT_LOG_RANGE));
  });

  it("halves the range when the node's cap is lower than the configured one, down to what it accepts", async () => {
    const f = await loadFixture(spreadLogsFixture);
    const capped = cappedProvider(hre.network.provider, 999);
    const provider = new ethers.BrowserProvider(capped);
    const latest = await provider.getBlockNumber();
    const filter = { address: await f.securityToken.getAddress() };
    const logs = await getLogsInChunks(provider, filter, f.first, latest, 5_000);
    const direct = await ethers.provider.getLogs({ ...filter, fromBlock: f.first, toBlock: latest });
    expect(logs).to.have.length(direct.length);
    expect(capped.counts.refused).to.equal(3); // 5000 -> 2500 -> 1250 -> 625, then every request passes
  });

  it("a node that refuses even one block gives a one-line error naming the contract and blocks", async () => {
    const broken = {
      getLogs: async () => {
        throw new Error("connection refused\nat somewhere");
      },
    };
    await expect(getLogsInChunks(broken, { address: ethers.ZeroAddress }, 10, 20, 4)).to.be.rejectedWith(
      /^cannot read the logs of 0x0{40} \(blocks 10 to 10\): connection refused$/,
    );
  });

  it("the range comes from env CONSORTIUM_LOG_RANGE, else the network's logRange, else 5,000", async () => {
    expect(logRangeOf(hre)).to.equal(DEFAULT_LOG_RANGE);
    const withConfig = { network: hre.network, userConfig: { networks: { [hre.network.name]: { logRange: 700 } } } };
    expect(logRangeOf(withConfig as unknown as typeof hre)).to.equal(700);
    process.env[LOG_RANGE_ENV] = "250";
    expect(logRangeOf(withConfig as unknown as typeof hre)).to.equal(250);
    process.env[LOG_RANGE_ENV] = "lots";
    expect(() => logRangeOf(hre)).to.throw(/CONSORTIUM_LOG_RANGE: "lots" is not a block range/);
  });

  it("tasks read through it: token:show and gov:list work on a node that caps log ranges", async () => {
    const f = await loadFixture(spreadLogsFixture);
    await runTask("gov:propose", {
      deployment: f.deployment,
      from: "1",
      description: "Admit Shenzhen Bank",
      actions: [`add-member ${f.others[5].address} 10 'Shenzhen Bank'`],
    });
    await mine(5_500);
    // hre.ethers.provider sends through hre.network.provider's send(): cap it there
    const provider = hre.network.provider as unknown as {
      send: (method: string, params?: unknown[]) => Promise<unknown>;
    };
    const original = provider.send;
    const inner = {
      request: (args: RequestArguments) => original.call(provider, args.method, args.params as unknown[]),
    };
    const capped = cappedProvider(inner as EIP1193Provider, DEFAULT_LOG_RANGE);
    provider.send = (method, params) => capped.request({ method, params });
    try {
      await f.securityToken.connect(f.agent).setCountryRestriction(true);
      const { result } = await runTask<{ rules: { allowedCountries: number[] } }>("token:show", {
        deployment: f.deployment,
      });
      expect(result.rules.allowedCountries).to.deep.equal([Country.HK, Country.SG]);
      const { text } = await runTask("gov:list", { deployment: f.deployment });
      expect(text).to.include("Admit Shenzhen Bank");
    } finally {
      provider.send = original;
    }
    expect(capped.counts.answered).to.be.greaterThan(2);
    expect(capped.counts.refused).to.equal(0);
  });
});

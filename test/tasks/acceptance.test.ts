import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import {
  ACCEPTANCE_PARAMETERS,
  assignRoles,
  checkGasFunds,
  ignitionParameters,
  readAcceptanceParameters,
  roleNames,
  standardJsonRpcOnly,
  stepNames,
  waitForChainTime,
} from "../../tasks/lib/acceptance";
import { expectTaskError, runTask, tmpFile } from "./helpers";
import { hardhatCli } from "./opsHelpers";

const DEFAULT_FILE = path.join(__dirname, "..", "..", ACCEPTANCE_PARAMETERS);

/** The default acceptance parameters with `change` applied, written to a fresh file. */
function parametersWith(
  change: (p: Record<string, Record<string, unknown>>) => void,
  name = "acceptance.json",
): string {
  const parameters = JSON.parse(fs.readFileSync(DEFAULT_FILE, "utf8"));
  change(parameters);
  const file = tmpFile(name);
  fs.writeFileSync(file, JSON.stringify(parameters));
  return file;
}

describe("tasks: consortium:acceptance", () => {
  it("--dry-run prints the plan (accounts by role, parameters, steps) and sends nothing; --json shape", async () => {
    const block = await ethers.provider.getBlockNumber();
    const { text } = await runTask("consortium:acceptance", { dryRun: true });
    const signers = await ethers.getSigners();
    expect(text).to.include('Acceptance run on network "hardhat" (chain 31337');
    expect(text).to.include(
      "voting delay 2 s, voting period 15 s (floor 5 s), timelock delay 5 s (the governance round waits about 22 s of chain time)",
    );
    expect(text).to.include(`deployer        ${signers[0].address}`);
    expect(text).to.include(`registrar       ${signers[4].address}`);
    expect(text).to.include(`financier       ${signers[11].address}`);
    expect(text).to.include("20. investor B affirms: the trade settles");
    expect(text).to.include("Dry run: nothing was sent.");
    expect(await ethers.provider.getBlockNumber()).to.equal(block);

    const { lines } = await runTask("consortium:acceptance", { dryRun: true, json: true });
    const json = JSON.parse(lines.join("\n"));
    expect(Object.keys(json).sort()).to.deep.equal(["dryRun", "plan"]);
    expect(Object.keys(json.plan).sort()).to.deep.equal(
      [
        "accounts",
        "blockTimeout",
        "chainId",
        "client",
        "confirmations",
        "fees",
        "governance",
        "latestBlock",
        "network",
        "parameters",
        "runId",
        "steps",
      ].sort(),
    );
    expect(json.plan.accounts.map((a: { role: string }) => a.role)).to.deep.equal(roleNames(3));
    expect(json.plan.steps).to.deep.equal(stepNames(3));
    expect(json.plan.fees.mode).to.match(/^(EIP-1559|legacy)$/);
    expect(json.plan.governance).to.include({
      votingDelay: 2,
      votingPeriod: 15,
      votingPeriodFloor: 5,
      timelockMinDelay: 5,
    });
  });

  it("refuses a real run on the in-process network (its clock moves only with transactions)", async () => {
    await expectTaskError("consortium:acceptance", {}, /waits on the chain's own clock: run it against a node/);
  });

  it("refuses a bad parameters file in one line naming the file and field, before anything is sent", async () => {
    const run = (file: string, message: RegExp) =>
      expectTaskError("consortium:acceptance", { parameters: file, dryRun: true }, message);
    await run(tmpFile("missing.json"), /no acceptance parameters file at .*missing\.json/);
    const broken = tmpFile("broken.json");
    fs.writeFileSync(broken, '{ "Governance": ');
    await run(broken, /broken\.json is not valid JSON/);
    await run(
      parametersWith((p) => (p.Governance.votingPeriod = 4)),
      /Governance\.votingPeriod must be between 5 and 7200 seconds \(the governor refuses less than Governance\.votingPeriodFloor.*got 4\)/,
    );
    await run(
      parametersWith((p) => (p.Governance.votingPeriod = 7_201)),
      /Governance\.votingPeriod must be between 5 and 7200 seconds .*got 7201\)/,
    );
    await run(
      parametersWith((p) => delete p.Governance.votingPeriodFloor),
      /Governance\.votingPeriodFloor must be a whole number of seconds/,
    );
    await run(
      parametersWith((p) => (p.Governance.votingPeriodFloor = 0)),
      /Governance\.votingPeriodFloor must be between 1 and 7200 seconds .*got 0\)/,
    );
    await run(
      parametersWith((p) => ((p.Governance.votingPeriodFloor = 20), (p.Governance.votingPeriod = 15))),
      /Governance\.votingPeriod must be between 20 and 7200 seconds .*got 15\)/,
    );
    await run(
      parametersWith((p) => (p.Governance.votingDelay = 86_400)),
      /Governance\.votingDelay must be between 0 and 600 seconds/,
    );
    await run(
      parametersWith((p) => (p.Governance.timelockMinDelay = "5s")),
      /Governance\.timelockMinDelay must be a whole number of seconds/,
    );
    await run(
      parametersWith((p) => (p.Governance.guardian = "0x4000000000000000000000000000000000000001")),
      /Governance\.guardian must not be set: the acceptance run takes every account from the network/,
    );
    await run(
      parametersWith((p) => ((p.Governance.foundingMembers as { account?: string }[])[1].account = ethers.ZeroAddress)),
      /Governance\.foundingMembers\[1\]\.account must not be set/,
    );
    await run(
      parametersWith((p) => (p.Governance.foundingMembers = [{ weight: 1, name: "Alone", uri: "" }])),
      /Governance\.foundingMembers must list at least 2 members/,
    );
    await run(
      parametersWith((p) => ((p.Governance.foundingMembers as { weight: number }[])[0].weight = 0)),
      /Governance\.foundingMembers\[0\]\.weight must be a whole number of at least 1/,
    );
    await run(
      parametersWith((p) => delete p.Tokens.cashSymbol),
      /Tokens\.cashSymbol must be set/,
    );
    await run(
      parametersWith((p) => (p.Assets.securityCode = "CNSZPH000008")),
      /Assets\.securityCode must be the bytes12/,
    );
    await run(
      parametersWith((p) => (p.Assets.cashIssuer = "0x12")),
      /Assets\.cashIssuer must be an entity id/,
    );
    await expectTaskError(
      "consortium:acceptance",
      { dryRun: true, blockTimeout: "0" },
      /--block-timeout must be between 1 and 3600/,
    );
  });

  it("refuses a network without enough accounts, naming the roles left without one, before reaching the node", async function () {
    this.timeout(90_000);
    const keys = [1, 2, 3].map((i) => ethers.toBeHex(i, 32));
    // port 9 (discard) on the loopback: nothing answers there, and nothing needs to
    const run = await hardhatCli(["consortium:acceptance", "--network", "consortium"], {
      CONSORTIUM_RPC_URL: "http://127.0.0.1:9",
      CONSORTIUM_CHAIN_ID: "2026",
      CONSORTIUM_PRIVATE_KEYS: keys.join(","),
      CONSORTIUM_KEYSTORE: undefined,
      TS_NODE_TRANSPILE_ONLY: "true",
    });
    expect(run.status, run.output).to.equal(1);
    expect(run.output).to.include(
      'consortium:acceptance needs 12 accounts and network "consortium" has 3: missing member 3 (account 3), ' +
        "registrar (account 4), transfer agent (account 5), cash issuer (account 6), investor A (account 7), " +
        "investor B (account 8), supplier (account 9), debtor (account 10), financier (account 11)",
    );
    expect(run.output).to.not.include("cannot reach");
  });

  it("assigns one account per role, in order, and refuses an account listed twice", async () => {
    const addresses = (await ethers.getSigners()).map((s) => s.address);
    const roles = assignRoles(addresses, 3, "hardhat");
    expect(roles.deployer).to.equal(addresses[0]);
    expect(roles.members).to.deep.equal(addresses.slice(1, 4));
    expect([roles.registrar, roles.transferAgent, roles.cashIssuer]).to.deep.equal(addresses.slice(4, 7));
    expect([roles.investorA, roles.investorB, roles.supplier, roles.debtor, roles.financier]).to.deep.equal(
      addresses.slice(7, 12),
    );
    expect(() => assignRoles([...addresses.slice(0, 11), addresses[3]], 3, "twice")).to.throw(
      /network "twice" lists the same account twice/,
    );
    // 2 members need 11 accounts: the 11th is the financier
    expect(assignRoles(addresses.slice(0, 11), 2, "x").financier).to.equal(addresses[10]);

    // the Ignition parameters: the file's settings, the accounts filled in, no registrar at deployment
    const params = readAcceptanceParameters(DEFAULT_FILE);
    const ignition = ignitionParameters(params, roles);
    expect(ignition.Identity.registrars).to.deep.equal([]);
    expect(ignition.Governance.guardian).to.equal(roles.members[0]);
    expect((ignition.Governance.foundingMembers as { account: string }[]).map((m) => m.account)).to.deep.equal(
      roles.members,
    );
    expect(ignition.Governance.votingPeriod).to.equal(15);
    expect(ignition.Governance.votingPeriodFloor).to.equal(5);
    expect((ignition.Tokens.securityOperators as { supplyAgents: string[] }).supplyAgents).to.deep.equal([
      roles.transferAgent,
    ]);
    expect((ignition.Tokens.cashOperators as { supplyAgents: string[] }).supplyAgents).to.deep.equal([
      roles.cashIssuer,
    ]);
  });

  it("refuses accounts without ether where gas costs something, and lets them be on a free-gas chain", async () => {
    const addresses = (await ethers.getSigners()).map((s) => s.address);
    const empty = ethers.Wallet.createRandom().address;
    const roles = assignRoles([...addresses.slice(0, 9), empty, ...addresses.slice(10, 12)], 3, "hardhat");
    const priced = { feeMode: "legacy" as const, baseFeePerGas: null, nodeGasPrice: 1n };
    const configured = hre.network.config.gasPrice;
    // the in-process network's gas price is "auto" unless FREE_GAS sets it to 0
    if (configured === "auto") {
      await expect(checkGasFunds(hre, roles, priced)).to.be.rejectedWith(
        `gas costs 1 wei here and these accounts hold no ether: supplier (${empty})`,
      );
      await checkGasFunds(hre, roles, { feeMode: "EIP-1559", baseFeePerGas: 0n, nodeGasPrice: 1n });
    } else {
      expect(configured).to.equal(0);
      await checkGasFunds(hre, roles, priced);
    }
    await checkGasFunds(hre, assignRoles(addresses, 3, "hardhat"), priced);
  });

  it("waits on the chain's clock with bounds: returns at once when the time is reached, fails on a stalled chain", async function () {
    this.timeout(30_000);
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const options = { blockTimeoutSeconds: 1, pollMs: 100 };
    expect(await waitForChainTime(ethers.provider, now, "reached", options)).to.equal(now);
    // the in-process network mines only on demand: its clock never reaches a later time by itself
    let error: Error | undefined;
    try {
      await waitForChainTime(ethers.provider, now + 10n, "waiting for the vote to open", options);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(
      /waiting for the vote to open: no new block for 1 s \(latest #\d+ at \d+, waiting for time \d+\); a chain that mines only on demand/,
    );
  });

  it("holds the provider to standard JSON-RPC while it runs: evm_/hardhat_ methods are refused and recorded", async () => {
    const refused: string[] = [];
    const provider = hre.network.provider;
    const restore = standardJsonRpcOnly(provider, refused);
    const block = await ethers.provider.getBlockNumber();
    try {
      await expect(provider.request({ method: "evm_mine" })).to.be.rejectedWith(/evm_mine does not exist/);
      await expect(provider.send("hardhat_metadata", [])).to.be.rejectedWith(/hardhat_metadata does not exist/);
      const reply = await new Promise<{ error?: { code: number } }>((resolve) =>
        provider.sendAsync({ jsonrpc: "2.0", id: 1, method: "evm_increaseTime", params: [1] }, (_e, r) =>
          resolve(r as { error?: { code: number } }),
        ),
      );
      expect(reply.error?.code).to.equal(-32601);
      expect(await provider.request({ method: "eth_chainId" })).to.equal("0x7a69");
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    } finally {
      restore();
    }
    expect(refused).to.deep.equal(["evm_mine", "hardhat_metadata", "evm_increaseTime"]);
    await provider.request({ method: "evm_mine" });
    expect(await ethers.provider.getBlockNumber()).to.equal(block + 1);
  });
});

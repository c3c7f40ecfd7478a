import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ethers } from "ethers";
import { tokenize } from "../../tasks/lib/parse";
import type { DvPSettlement, IdentityRegistry, SecurityToken } from "../../typechain-types";
import {
  allTransactions,
  childEnv,
  type CommandResult,
  explain,
  freePort,
  hardhat,
  type HardhatNode,
  LOCALHOST_PARAMETERS,
  type Mining,
  openSharedSession,
  SHARED_SETUP_TIMEOUT_MS,
  type SharedDeployment,
  travel,
  uniqueId,
} from "./support";

const ONE_YEAR = 365 * 24 * 3600;
const INVESTOR = 1; // ParticipantAttributes.INVESTOR
const CN = 156;
const HK = 344;

/** The lines of a command's output that are its one-line error, if any. */
function errorLines(r: CommandResult): string[] {
  return r.lines.filter((l) => l.startsWith("Error"));
}

describe("e2e: operations on a real JSON-RPC node (npx hardhat node, FREE_GAS)", function () {
  // each command is a separate Hardhat process (a few seconds each); the deployment ~20 s
  this.timeout(150_000);

  let node: HardhatNode;
  let shared: SharedDeployment;
  let deployment: string;
  let mining: Mining;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "consortium-e2e-"));
  let env: NodeJS.ProcessEnv;
  let provider: ethers.JsonRpcProvider;
  let addresses: Record<string, string>;

  /** `npx hardhat <task> --network localhost --deployment <this deployment> ...`, which must succeed. */
  async function task(args: string[], timeoutMs?: number): Promise<CommandResult> {
    const r = await hardhat([...args, "--network", "localhost", "--deployment", deployment], env, timeoutMs);
    expect(r.code, `npx hardhat ${args.join(" ")}: ${explain(r)}`).to.equal(0);
    return r;
  }

  /** A node account as an ethers signer (the node holds the keys); transactions at gas price 0. */
  const account = (index: number) => provider.getSigner(index);
  const FREE = { gasPrice: 0 };

  before(async function () {
    this.timeout(SHARED_SETUP_TIMEOUT_MS); // the first file to ask starts the node and deploys
    ({ node, shared, mining, env, provider } = await openSharedSession(this));
    deployment = shared.deployment;
  });

  after(async function () {
    provider?.destroy();
    await node?.setMining(mining);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("deploys with the operations command: npx hardhat ignition deploy ... --network localhost", async function () {
    const r = shared.result;
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stdout).to.include("successfully deployed");
    addresses = shared.addresses;
    expect(Object.keys(addresses)).to.include.members([
      "Governance#TimelockController",
      "Governance#ConsortiumGovernor",
      "Tokens#SecurityToken",
      "Settlement#DvPSettlement",
    ]);
    // a free-gas chain: 38 transactions (20 contracts, the governor's GovernorCallRules library
    // included, the asset registry, corporate actions and the credit registry too; 3 timelock role calls; 2 token bindings and the binder's
    // renouncement; the deployer's registrar role, the invoice registry's registration and the
    // registrar's renouncement; the asset registry's binder role and the identity registry's admin
    // handover; corporate actions' redemption observer and its admin handover; the invoice registry's credit hook
    // and its admin handover)
    // at gas price 0, from an account that holds no ether
    const txs = (await allTransactions(node.url, shared.startBlock + 1)).filter(
      (t) => t.blockNumber <= shared.endBlock,
    );
    expect(txs).to.have.length(38);
    expect(txs.filter((t) => t.to === null)).to.have.length(20);
    for (const t of txs) expect(BigInt(t.gasPrice ?? 0), t.hash).to.equal(0n);
    expect(await provider.getBalance(txs[0].from)).to.equal(0n);
  });

  it("consortium:verify-deployment passes on it", async function () {
    const upgraded = shared.implementations.length > 0 ? ["--implementations", shared.implementations.join(",")] : [];
    const r = await task(["consortium:verify-deployment", "--parameters", LOCALHOST_PARAMETERS, ...upgraded]);
    expect(r.lines.filter((l) => l.startsWith("  FAIL"))).to.deep.equal([]);
    expect(r.stdout).to.match(/\n(\d+) checks: \1 passed, 0 failed\.\n/);
    expect(r.stdout).to.include("PASS  code: security-token implementation");
    expect(r.stdout).to.include("PASS  roles: deployer holds no role");
  });

  it("issues, transfers and settles: registrar registers, agents mint, a transfer, a DvP trade (trade:* tasks)", async function () {
    const registry = new ethers.Contract(
      addresses["Identity#IdentityRegistry"],
      (await hre.artifacts.readArtifact("IdentityRegistry")).abi,
      provider,
    ) as unknown as IdentityRegistry;
    const tokenAbi = (await hre.artifacts.readArtifact("SecurityToken")).abi;
    const shares = new ethers.Contract(
      addresses["Tokens#SecurityToken"],
      tokenAbi,
      provider,
    ) as unknown as SecurityToken;
    const cash = new ethers.Contract(addresses["Tokens#CashToken"], tokenAbi, provider) as unknown as SecurityToken;
    const dvp = addresses["Settlement#DvPSettlement"];
    const [registrar, agent, cashIssuer, alice, bob, carol] = await Promise.all(
      [4, 5, 6, 10, 11, 12].map((i) => account(i)),
    );
    const expiry = (await provider.getBlock("latest"))!.timestamp + ONE_YEAR;
    const wait = async (tx: Promise<ethers.ContractTransactionResponse>) => {
      const receipt = await (await tx).wait();
      expect(receipt?.status).to.equal(1);
    };

    // KYC by the registrar appointed in the parameters
    await wait(
      registry
        .connect(registrar)
        .registerIdentity(alice.address, ethers.id("Alice Capital"), CN, expiry, INVESTOR, FREE),
    );
    await wait(
      registry
        .connect(registrar)
        .registerIdentity(bob.address, ethers.id("Bob Securities"), HK, expiry, INVESTOR, FREE),
    );
    await wait(
      registry
        .connect(registrar)
        .registerIdentity(carol.address, ethers.id("Carol Trading"), CN, expiry, INVESTOR, FREE),
    );
    // issuance by the transfer agent and the cash issuer
    await wait(shares.connect(agent).mint(alice.address, 1_000, FREE));
    await wait(cash.connect(cashIssuer).mint(bob.address, 10_000_000, FREE)); // CNYC 100,000.00
    // an investor's transfer
    await wait(shares.connect(alice).transfer(carol.address, 100, FREE));
    // a DvP trade: both approve the settlement contract, the seller proposes, the buyer affirms
    await wait(shares.connect(alice).approve(dvp, 200, FREE));
    await wait(cash.connect(bob).approve(dvp, 500_000, FREE));
    const proposed = await task([
      "trade:propose",
      "--from",
      "10",
      "--seller",
      alice.address,
      "--buyer",
      bob.address,
      "--asset",
      "security-token",
      "--asset-amount",
      "200",
      "--cash",
      "cash-token",
      "--cash-amount",
      "5000.00",
      "--expiry",
      "1d",
      "--reference",
      "E2E-ORDER-1",
    ]);
    // the shared deployment's DvP numbers tickets in sequence across the e2e files
    const ticket = /Ticket #(\d+) proposed/.exec(proposed.stdout)?.[1];
    expect(ticket, proposed.stdout).to.match(/^\d+$/);
    await task(["trade:affirm", ticket!, "--from", "11"]);

    expect(await shares.balanceOf(alice.address)).to.equal(700n);
    expect(await shares.balanceOf(carol.address)).to.equal(100n);
    expect(await shares.balanceOf(bob.address)).to.equal(200n);
    expect(await cash.balanceOf(alice.address)).to.equal(500_000n);
    expect(await cash.balanceOf(bob.address)).to.equal(9_500_000n);
    const settlement = new ethers.Contract(dvp, (await hre.artifacts.readArtifact("DvPSettlement")).abi, provider);
    expect((await (settlement as unknown as DvPSettlement).ticketOf(BigInt(ticket!))).status).to.equal(3n); // Settled
  });

  it("upgrades only through governance: prepare-upgrade, then propose, vote (one signed and relayed), queue, execute", async function () {
    this.timeout(240_000);
    const prepared = await task([
      "consortium:prepare-upgrade",
      "--contract",
      "security-token",
      "--implementation",
      "SecurityTokenV2",
    ]);
    const printed = prepared.lines.find((l) => l.startsWith("npx hardhat gov:propose "));
    expect(printed, prepared.stdout).to.not.equal(undefined);
    const implementation = /upgrade security-token (0x[0-9a-fA-F]{40})/.exec(printed!)![1];
    expect(await provider.getCode(implementation)).to.not.equal("0x");

    // the printed command, as a shell splits it, run from Pearl River Bank's account
    const words = tokenize(printed!);
    expect(words.slice(0, 3)).to.deep.equal(["npx", "hardhat", "gov:propose"]);
    expect(words).to.include.members(["--network", "localhost", "--deployment", deployment]);
    const r = await hardhat([...words.slice(2), "--from", "1"], env, 90_000, { npx: true });
    expect(r.code, explain(r)).to.equal(0);
    // the shared deployment's governor numbers proposals in sequence across the e2e files
    const id = /Proposal #(\d+) created/.exec(r.stdout)?.[1];
    expect(id, r.stdout).to.not.equal(undefined);

    await travel(node.url, 61); // past the voting delay
    await task(["gov:vote", id!, "for", "--from", "1"]);
    const ballot = path.join(tmp, "nanshan-ballot.json");
    await task(["gov:sign-vote", id!, "for", "--from", "2", "--out", ballot]);
    const relayed = await task(["gov:relay-vote", ballot, "--from", "9"]);
    expect(relayed.stdout).to.match(new RegExp(`Relayed: .* voted For on proposal #${id} with weight 35`));

    await travel(node.url, 86_400); // past the voting period
    await task(["gov:queue", id!, "--from", "9"]);
    await travel(node.url, 3_601); // past the timelock delay
    const executed = await task(["gov:execute", id!, "--from", "9"]);
    expect(executed.stdout).to.include(`Proposal #${id} executed`);
    shared.implementations.push("security-token=SecurityTokenV2");

    const v2 = new ethers.Contract(
      addresses["Tokens#SecurityToken"],
      (await hre.artifacts.readArtifact("SecurityTokenV2")).abi,
      provider,
    );
    expect(await v2.version()).to.equal("2");
    // the state survived the upgrade
    expect(await v2.balanceOf((await account(10)).address)).to.equal(700n);
  });

  it("after the upgrade, verification fails against the V1 artifact (exit 1) and passes with --implementations", async function () {
    const base = ["consortium:verify-deployment", "--network", "localhost", "--deployment", deployment];
    const failed = await hardhat([...base, "--parameters", LOCALHOST_PARAMETERS], env);
    expect(failed.code, explain(failed)).to.equal(1);
    expect(failed.lines.filter((l) => l.startsWith("  FAIL")).map((l) => l.slice(8).split(/\s{2,}/)[0])).to.deep.equal([
      "code: security-token implementation",
    ]);
    expect(errorLines(failed)).to.have.length(1);
    expect(failed.stderr.trim()).to.match(
      /^Error in plugin consortium: deployment verification failed: 1 of \d+ checks \(code: security-token implementation\)$/,
    );
    await task([
      "consortium:verify-deployment",
      "--parameters",
      LOCALHOST_PARAMETERS,
      "--implementations",
      "security-token=SecurityTokenV2",
    ]);
  });
});

describe("e2e: a task whose RPC endpoint refuses connections", function () {
  this.timeout(60_000);

  it("exits 1 with one line naming the network and the refused URL, before sending anything", async function () {
    const closed = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const deployment = path.join("ignition", "deployments", uniqueId("e2e-none"));
    for (const args of [
      ["gov:vote", "1", "for", "--from", "1"],
      ["consortium:prepare-upgrade", "--contract", "security-token", "--implementation", "SecurityTokenV2"],
    ]) {
      const r = await hardhat([...args, "--network", "localhost", "--deployment", deployment], childEnv(closed));
      expect(r.code, explain(r)).to.equal(1);
      expect(r.lines).to.deep.equal([
        `Error in plugin consortium: cannot reach network "localhost": the connection to ${closed} was refused (is the node running?)`,
      ]);
    }
  });
});

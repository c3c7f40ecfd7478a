import { expect } from "chai";
import hre from "hardhat";
import { ethers } from "ethers";
import type { AssetRegistry, IdentityRegistry, SecurityToken } from "../../typechain-types";
import {
  type CommandResult,
  explain,
  hardhat,
  type HardhatNode,
  LOCALHOST_PARAMETERS,
  type Mining,
  openSharedSession,
  SHARED_SETUP_TIMEOUT_MS,
  type SharedDeployment,
  travel,
} from "./support";

const ONE_YEAR = 365 * 24 * 3600;
const INVESTOR = 1; // ParticipantAttributes.INVESTOR
const CN = 156;
const ISSUER = "Shenzhen Metro Group";
const CODE = "CNSZMB203007";
/** The issuer's wallet: an account no other e2e file on the shared deployment registers. */
const ISSUER_WALLET = 13;

describe("e2e: ops issue a security with the tasks on a real JSON-RPC node (npx hardhat node, FREE_GAS)", function () {
  this.timeout(300_000);

  let node: HardhatNode;
  let shared: SharedDeployment;
  let env: NodeJS.ProcessEnv;
  let provider: ethers.JsonRpcProvider;
  let addresses: Record<string, string>;
  let mining: Mining;

  async function task(args: string[], timeoutMs?: number): Promise<CommandResult> {
    const r = await hardhat([...args, "--network", "localhost", "--deployment", shared.deployment], env, timeoutMs);
    expect(r.code, `npx hardhat ${args.join(" ")}: ${explain(r)}`).to.equal(0);
    return r;
  }

  before(async function () {
    this.timeout(SHARED_SETUP_TIMEOUT_MS); // the first file to ask starts the node and deploys
    ({ node, shared, mining, env, provider } = await openSharedSession(this));
  });

  after(async function () {
    provider?.destroy();
    await node?.setMining(mining);
  });

  it("on the deployed system, registers the issuer, then proposes, votes, queues and executes issue-security", async function () {
    expect(shared.result.code, explain(shared.result)).to.equal(0);
    addresses = shared.addresses;
    expect(addresses["Assets#AssetRegistry"]).to.match(/^0x[0-9a-fA-F]{40}$/);

    // the registrar (account 4) registers the issuer's entity
    const abi = (name: string) => hre.artifacts.readArtifactSync(name).abi;
    const registry = new ethers.Contract(
      addresses["Identity#IdentityRegistry"],
      abi("IdentityRegistry"),
      await provider.getSigner(4),
    ) as unknown as IdentityRegistry;
    const block = await provider.getBlock("latest");
    const wallet = await (await provider.getSigner(ISSUER_WALLET)).getAddress();
    await (
      await registry.registerIdentity(wallet, ethers.id(ISSUER), CN, block!.timestamp + ONE_YEAR, INVESTOR, {
        gasPrice: 0,
      })
    ).wait();

    const agent = await (await provider.getSigner(5)).getAddress();
    const guardian = await (await provider.getSigner(7)).getAddress();
    const action =
      `issue-security --name 'Shenzhen Metro 3.2% 2030' --symbol SZMB30 --decimals 2 --kind bond --code ${CODE} ` +
      `--issuer '${ISSUER}' --maturity 2030-06-30 --terms-uri ipfs://bond --agent ${agent} --guardians ${guardian}`;
    const description = "Issue the Shenzhen Metro 3.2% 2030 bond";
    const dry = await task(["gov:propose", "--dry-run", "--description", description, action]);
    const predicted = /token that would be created: (0x[0-9a-fA-F]{40})/.exec(dry.stdout)?.[1];
    expect(predicted, dry.stdout).to.not.equal(undefined);
    expect(dry.stdout).to.include("Dry run: all 1 action(s) succeed; nothing was sent.");

    const proposed = await task(["gov:propose", "--from", "1", "--description", description, action]);
    // the shared deployment's governor numbers proposals in sequence across the e2e files
    const id = /Proposal #(\d+) created/.exec(proposed.stdout)?.[1];
    expect(id, proposed.stdout).to.not.equal(undefined);
    await travel(node.url, 61);
    for (const from of ["1", "2", "3"]) await task(["gov:vote", id!, "for", "--from", from]);
    await travel(node.url, 86_400);
    await task(["gov:queue", id!, "--from", "9"]);
    await travel(node.url, 3_601);
    await task(["gov:execute", id!, "--from", "9"]);

    const assets = new ethers.Contract(
      addresses["Assets#AssetRegistry"],
      abi("AssetRegistry"),
      provider,
    ) as unknown as AssetRegistry;
    const entry = await assets.assetByCode(ethers.hexlify(ethers.toUtf8Bytes(CODE)));
    expect(entry.token).to.equal(predicted);
    const bond = new ethers.Contract(
      entry.token,
      abi("SecurityToken"),
      await provider.getSigner(5),
    ) as unknown as SecurityToken;
    await (await bond.mint(wallet, 100_000, { gasPrice: 0 })).wait();
    expect(await bond.balanceOf(wallet)).to.equal(100_000n);
  });

  it("asset:list and asset:show show the new bond; consortium:verify-deployment passes", async function () {
    const list = await task(["asset:list", "--json"]);
    const rows = JSON.parse(list.stdout) as { code: string; symbol: string; kind: string; totalSupply: string }[];
    expect(rows.map((r) => r.code)).to.deep.equal(["CNSZPH000008", "CNCNYC000004", CODE]);
    expect(rows[2]).to.include({ symbol: "SZMB30", kind: "bond", totalSupply: "100000" });
    const shown = await task(["asset:show", CODE]);
    expect(shown.stdout).to.match(/supply: +1000\.00 SZMB30, held by 1 entities/);
    const upgraded = shared.implementations.length > 0 ? ["--implementations", shared.implementations.join(",")] : [];
    const verified = await task(["consortium:verify-deployment", "--parameters", LOCALHOST_PARAMETERS, ...upgraded]);
    expect(verified.stdout).to.match(/\n(\d+) checks: \1 passed, 0 failed\.\n/);
    expect(verified.stdout).to.include("PASS  assets: CNSZMB203007 SZMB30 implementation");
  });
});

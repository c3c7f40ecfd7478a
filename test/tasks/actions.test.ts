import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { deployCorporateActions } from "../../scripts/lib/deployActions";
import { CORPORATE_ACTIONS_KEY } from "../../tasks/lib/corporateActions";
import { entity } from "../fixtures/token";
import { expectTaskError, runTask, tasksFixture } from "./helpers";

const DAY = 24 * 60 * 60;
const HASH = ethers.id("coupon notice");

/**
 * The deployed system plus a CorporateActions contract in the deployment file; the timelock gave it
 * the security token's RECORD_ROLE and SUPPLY_ROLE; `payer` is the token's paying agent with cash;
 * investors `holderA` (100 units) and `holderB` (50 units).
 */
async function actionsTasksFixture() {
  const f = await tasksFixture();
  const [holderA, holderB, payer] = f.others;
  const actions = await deployCorporateActions(hre, f.deployer.address);
  const actionsAddress = await actions.getAddress();
  const addresses = { ...f.addresses, [CORPORATE_ACTIONS_KEY]: actionsAddress };
  fs.writeFileSync(f.deployment, JSON.stringify(addresses, null, 2));
  const expiry = (await time.latest()) + 365 * DAY;
  for (const [wallet, name] of [
    [holderA.address, "HOLDER_A"],
    [holderB.address, "HOLDER_B"],
    [payer.address, "PAYER"],
    [actionsAddress, "CORPORATE_ACTIONS"],
  ] as const) {
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(wallet, entity(name), Country.CN, expiry, Attr.INVESTOR);
  }
  await ethers.provider.send("hardhat_setBalance", [await f.timelock.getAddress(), "0xde0b6b3a7640000"]);
  const timelock = await ethers.getImpersonatedSigner(await f.timelock.getAddress());
  await f.securityToken.connect(timelock).grantRole(await f.securityToken.RECORD_ROLE(), actionsAddress);
  await f.securityToken.connect(timelock).grantRole(await f.securityToken.SUPPLY_ROLE(), actionsAddress);
  await f.securityToken.connect(timelock).grantRole(await f.securityToken.SUPPLY_ROLE(), f.agent.address);
  await f.cashToken.connect(timelock).grantRole(await f.cashToken.SUPPLY_ROLE(), f.cashIssuer.address);
  await actions.grantRole(await actions.payingAgentRole(await f.securityToken.getAddress()), payer.address);
  await f.securityToken.connect(f.agent).mint(holderA.address, 100);
  await f.securityToken.connect(f.agent).mint(holderB.address, 50);
  const cashDecimals = Number(await f.cashToken.decimals());
  await f.cashToken.connect(f.cashIssuer).mint(payer.address, 1_000_000n * 10n ** BigInt(cashDecimals));
  return { ...f, actions, holderA, holderB, payer, cashDecimals };
}

type F = Awaited<ReturnType<typeof actionsTasksFixture>>;

async function announceArgs(f: F, extra: Record<string, unknown> = {}) {
  const now = await time.latest();
  return {
    deployment: f.deployment,
    from: f.payer.address,
    asset: "security-token",
    cash: "cash-token",
    perUnit: "2.5",
    recordTime: String(now + DAY),
    paymentStart: String(now + 2 * DAY),
    claimDeadline: String(now + 30 * DAY),
    noticeUri: "ipfs://coupon",
    noticeHash: HASH,
    dryRun: false,
    json: false,
    ...extra,
  };
}

describe("action:* tasks", function () {
  it("announce --dry-run sends nothing; announce escrows and returns the id", async function () {
    const f = await loadFixture(actionsTasksFixture);
    const dry = await runTask<{ dryRun: boolean; approval: boolean }>(
      "action:announce",
      await announceArgs(f, { dryRun: true }),
    );
    expect(dry.result.dryRun).to.equal(true);
    expect(dry.result.approval).to.equal(true);
    expect(dry.text).to.include("would approve");
    expect(await f.actions.distributionCount()).to.equal(0);
    // A dry run needs no key: a keystore is read for its address only (no password asked for).
    const keystore = path.join(os.tmpdir(), `action-dry-run-${process.pid}.json`);
    fs.writeFileSync(keystore, JSON.stringify({ address: f.payer.address.slice(2).toLowerCase(), version: 3 }));
    try {
      const { from: _from, ...keyless } = await announceArgs(f, { dryRun: true });
      const byAddress = await runTask<{ dryRun: boolean }>("action:announce", { ...keyless, keystore });
      expect(byAddress.result.dryRun).to.equal(true);
      expect(byAddress.text).to.include("would approve");
    } finally {
      fs.rmSync(keystore, { force: true });
    }
    expect(await f.actions.distributionCount()).to.equal(0);
    const { result } = await runTask<{ id: bigint; amount: bigint }>("action:announce", await announceArgs(f));
    expect(result.id).to.equal(1n);
    const unit = 10n ** BigInt(f.cashDecimals);
    expect(result.amount).to.equal(375n * unit);
    expect(await f.cashToken.balanceOf(await f.actions.getAddress())).to.equal(375n * unit);
  });

  it("refuses bad input with one line before sending anything", async function () {
    const f = await loadFixture(actionsTasksFixture);
    await expectTaskError(
      "action:announce",
      await announceArgs(f, { total: "100" }),
      /exactly one of --per-unit and --total/,
    );
    await expectTaskError("action:announce", await announceArgs(f, { recordTime: "1" }), /--record-time must be after/);
    await expectTaskError("action:announce", await announceArgs(f, { noticeHash: "0x12" }), /--notice-hash/);
    await expectTaskError(
      "action:announce",
      await announceArgs(f, { from: f.holderA.address }),
      /is not a paying agent/,
    );
    await expectTaskError(
      "action:announce",
      await announceArgs(f, { perUnit: "1.234567890123456789012" }),
      /too many decimals/,
    );
    await expectTaskError(
      "action:pay-batch",
      { deployment: f.deployment, from: f.payer.address, id: "1", holders: "0x12", dryRun: false, json: false },
      /--holders/,
    );
    await expectTaskError(
      "action:claim",
      { deployment: f.deployment, from: f.holderA.address, id: "7", dryRun: false, json: false },
      /no distribution 7/,
    );
    await expectTaskError("action:show", { deployment: f.deployment, json: true }, /exactly one of --id and --asset/);
  });

  it("fund, show, claim, pay-batch and reclaim a distribution; paid + reclaimed == funded", async function () {
    const f = await loadFixture(actionsTasksFixture);
    const unit = 10n ** BigInt(f.cashDecimals);
    const args = await announceArgs(f);
    await runTask("action:announce", args);
    const fund = await runTask<{ amount: bigint }>("action:fund", {
      deployment: f.deployment,
      from: f.payer.address,
      id: "1",
      amount: "10",
      dryRun: false,
      json: false,
    });
    expect(fund.result.amount).to.equal(10n * unit);
    const common = { deployment: f.deployment, dryRun: false, json: false };
    await expectTaskError("action:claim", { ...common, from: f.holderA.address, id: "1" }, /payments start at/);
    await time.increaseTo(Number(args.paymentStart));
    const dryClaim = await runTask<{ dryRun: boolean }>("action:claim", {
      ...common,
      dryRun: true,
      from: f.holderA.address,
      id: "1",
    });
    expect(dryClaim.result.dryRun).to.equal(true);
    expect(await f.actions.isPaid(1, f.holderA.address)).to.equal(false);
    await runTask("action:claim", { ...common, from: f.holderA.address, id: "1" });
    expect(await f.cashToken.balanceOf(f.holderA.address)).to.equal(250n * unit);
    await runTask("action:pay-batch", {
      ...common,
      from: f.payer.address,
      id: "1",
      holders: `${f.holderA.address},${f.holderB.address}`,
    });
    expect(await f.cashToken.balanceOf(f.holderB.address)).to.equal(125n * unit);
    const shown = await runTask<{
      funded: bigint;
      claimed: bigint;
      unclaimed: bigint;
      holders: { entitlement: bigint; paid: boolean }[];
    }>("action:show", {
      deployment: f.deployment,
      id: "1",
      holders: `${f.holderA.address},${f.holderB.address}`,
      json: true,
    });
    expect(shown.result.funded).to.equal(385n * unit);
    expect(shown.result.claimed).to.equal(375n * unit);
    expect(shown.result.unclaimed).to.equal(10n * unit);
    expect(shown.result.holders.map((h) => [h.entitlement, h.paid])).to.deep.equal([
      [250n * unit, true],
      [125n * unit, true],
    ]);
    expect(JSON.parse(shown.text).unclaimed).to.equal(String(10n * unit));
    await expectTaskError(
      "action:reclaim",
      { ...common, from: f.payer.address, id: "1", to: f.payer.address },
      /claims are open until/,
    );
    await time.increaseTo(Number(args.claimDeadline) + 1);
    const reclaimed = await runTask<{ amount: bigint }>("action:reclaim", {
      ...common,
      from: f.payer.address,
      id: "1",
      to: f.payer.address,
    });
    expect(reclaimed.result.amount).to.equal(10n * unit);
    expect(await f.cashToken.balanceOf(await f.actions.getAddress())).to.equal(0);
  });

  it("redeem: --open escrows at maturity, a holder redeems, the agent redeems the rest, reclaim --asset", async function () {
    const f = await loadFixture(actionsTasksFixture);
    const common = { deployment: f.deployment, dryRun: false, json: false };
    const unit = 10n ** BigInt(f.cashDecimals);
    const maturity = await time.latest();
    await expectTaskError(
      "action:redeem",
      {
        ...common,
        from: f.payer.address,
        asset: "security-token",
        open: true,
        cash: "cash-token",
        perUnit: "100",
        maturity: String(maturity + DAY),
      },
      /not matured/,
    );
    await runTask("action:redeem", {
      ...common,
      from: f.payer.address,
      asset: "security-token",
      open: true,
      cash: "cash-token",
      perUnit: "100",
      maturity: String(maturity),
    });
    await runTask("action:redeem", { ...common, from: f.holderA.address, asset: "security-token", open: false });
    expect(await f.cashToken.balanceOf(f.holderA.address)).to.equal(10_000n * unit);
    await runTask("action:redeem", {
      ...common,
      from: f.payer.address,
      asset: "security-token",
      open: false,
      holders: f.holderB.address,
    });
    expect(await f.securityToken.totalSupply()).to.equal(0);
    const shown = await runTask<{ completed: boolean; paid: bigint }>("action:show", {
      deployment: f.deployment,
      asset: "security-token",
      json: true,
    });
    expect(shown.result.completed).to.equal(true);
    expect(shown.result.paid).to.equal(15_000n * unit);
    const reclaimed = await runTask<{ amount: bigint }>("action:reclaim", {
      ...common,
      from: f.payer.address,
      asset: "security-token",
      to: f.payer.address,
    });
    expect(reclaimed.result.amount).to.equal(0n);
  });
});

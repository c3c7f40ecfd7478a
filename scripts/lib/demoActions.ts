import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Attr, Country } from "./constants";
import { allDuties, deploySecurityToken } from "./deploy";
import type { Report } from "./report";
import type { ConsortiumGovernor, CorporateActions, IdentityRegistry, SecurityToken } from "../../typechain-types";

const DAY = 24 * 3600;

/** What the corporate-actions part of the demo needs from the rest of it. */
export interface ActionsDemoContext {
  r: Report;
  governor: ConsortiumGovernor;
  registry: IdentityRegistry;
  cash: SecurityToken;
  corporateActions: CorporateActions;
  /** Members who vote For (their weight carries a sensitive proposal). */
  voters: HardhatEthersSigner[];
  registrar: HardhatEthersSigner;
  transferAgent: HardhatEthersSigner;
  cashIssuer: HardhatEthersSigner;
  payingAgent: HardhatEthersSigner;
  holders: [HardhatEthersSigner, HardhatEthersSigner];
}

/** Proposes `calls`, votes them through with `voters`, queues and executes them. */
async function passProposal(
  c: ActionsDemoContext,
  calls: { target: string; data: string }[],
  description: string,
): Promise<void> {
  const { r, governor } = c;
  await r.tx(
    `${description} (${calls.length} actions)`,
    governor.connect(c.voters[0]).propose(
      calls.map((call) => call.target),
      calls.map(() => 0),
      calls.map((call) => call.data),
      description,
    ),
  );
  const id = await governor.proposalCount();
  await time.increase(Number(await governor.votingDelay()) + 1);
  for (const voter of c.voters) await governor.connect(voter).castVote(id, 1);
  await time.increase(Number(await governor.votingPeriod()));
  await governor["queue(uint256)"](id);
  await time.increaseTo(await governor.proposalEta(id));
  await r.tx("members voted For; the timelock executes it", governor["execute(uint256)"](id));
}

/**
 * A bond's servicing: a coupon paid to holders of record (one claims, the paying agent pays the
 * other in a batch, the rest is reclaimed after the deadline), then redemption at maturity until
 * the supply is zero. The bond is created here under the timelock and wired by one governance
 * proposal; once the asset registry (issue 10) issues bonds, the demo takes its bond instead.
 */
export async function demoCorporateActions(c: ActionsDemoContext): Promise<void> {
  const { r, registry, cash, corporateActions: ca } = c;
  const [holder1, holder2] = c.holders;
  const decimals = await cash.decimals();
  const cashSymbol = await cash.symbol();
  const show = (amount: bigint) => `${ethers.formatUnits(amount, decimals)} ${cashSymbol}`;
  const unit = 10n ** decimals;

  r.section("Corporate actions: a bond's coupon and its redemption at maturity");
  const timelock = await c.governor.timelock();
  const bond = await deploySecurityToken(
    hre,
    { name: "Shenzhen Port 3% 2029 Bond", symbol: "SZP29", decimals: 0 },
    await registry.getAddress(),
    timelock,
    allDuties([c.transferAgent.address]),
    { bind: false },
  );
  const bondAddress = await bond.getAddress();
  const caAddress = await ca.getAddress();
  await passProposal(
    c,
    [
      {
        target: await registry.getAddress(),
        data: registry.interface.encodeFunctionData("grantRole", [await registry.TOKEN_BINDER_ROLE(), timelock]),
      },
      { target: await registry.getAddress(), data: registry.interface.encodeFunctionData("bindToken", [bondAddress]) },
      {
        target: bondAddress,
        data: bond.interface.encodeFunctionData("grantRole", [await bond.RECORD_ROLE(), caAddress]),
      },
      {
        target: bondAddress,
        data: bond.interface.encodeFunctionData("grantRole", [await bond.SUPPLY_ROLE(), caAddress]),
      },
      {
        target: caAddress,
        data: ca.interface.encodeFunctionData("grantRole", [
          await ca.payingAgentRole(bondAddress),
          c.payingAgent.address,
        ]),
      },
    ],
    "Let the timelock bind tokens and bind the SZP29 bond; give corporate actions its record and supply roles; appoint its paying agent",
  );
  const expiry = (await time.latest()) + 5 * 365 * DAY;
  for (const [wallet, name] of [
    [caAddress, "Corporate actions escrow"],
    [c.payingAgent.address, "Paying agent"],
  ] as const) {
    if (!(await registry.isVerified(wallet))) {
      await registry.connect(c.registrar).registerIdentity(wallet, ethers.id(name), Country.CN, expiry, Attr.INVESTOR);
    }
  }
  r.note("the registrar registered the escrow contract and the paying agent (they hold cash)");
  await r.tx(
    "the transfer agent issues 600 SZP29 to holder 1",
    bond.connect(c.transferAgent).mint(holder1.address, 600),
  );
  await r.tx(
    "the transfer agent issues 400 SZP29 to holder 2",
    bond.connect(c.transferAgent).mint(holder2.address, 400),
  );
  await r.tx(
    "the cash issuer funds the paying agent",
    cash.connect(c.cashIssuer).mint(c.payingAgent.address, 1_100_000n * unit),
  );
  await cash.connect(c.payingAgent).approve(caAddress, ethers.MaxUint256);

  const now = await time.latest();
  const recordTime = now + DAY;
  const coupon = 30n * unit; // 3% of a 1,000 face value, per bond
  await r.tx(
    `the paying agent announces a coupon of ${show(coupon)} per bond, escrowing ${show(coupon * 1000n)}`,
    ca.connect(c.payingAgent).announce({
      asset: bondAddress,
      cashToken: await cash.getAddress(),
      amountPerUnit: coupon,
      amount: coupon * 1000n,
      recordTime,
      paymentStart: recordTime + DAY,
      claimDeadline: recordTime + 30 * DAY,
      noticeUri: "ipfs://szp29/coupon-1",
      noticeHash: ethers.id("SZP29 coupon 1 notice"),
    }),
  );
  await time.increaseTo(recordTime + 1);
  await r.tx(
    "after the record time holder 1 sells 100 bonds to holder 2 (first move: keeps record balances)",
    bond.connect(holder1).transfer(holder2.address, 100),
  );
  await r.tx(
    "holder 2 sends 10 back (no record time crossed: ordinary cost)",
    bond.connect(holder2).transfer(holder1.address, 10),
  );
  r.note(
    `entitlements from the record time: holder 1 ${show(await ca.entitlementOf(1, holder1.address))}, holder 2 ${show(await ca.entitlementOf(1, holder2.address))}`,
  );
  await time.increaseTo(recordTime + DAY);
  await r.tx("holder 1 claims its coupon", ca.connect(holder1).claim(1, holder1.address));
  await r.tx("the paying agent pays holder 2 in a batch", ca.connect(c.payingAgent).payBatch(1, [holder2.address]));
  const d = await ca.distribution(1);
  r.note(`coupon: funded ${show(d.funded)}, paid ${show(d.paid)}`);

  r.section("Redemption at maturity");
  const maturity = await time.latest();
  await r.tx(
    `at maturity the paying agent escrows ${show(1000n * unit)} per bond`,
    ca
      .connect(c.payingAgent)
      .openRedemption(bondAddress, await cash.getAddress(), 1000n * unit, maturity, 1000n * 1000n * unit),
  );
  await r.tx("holder 1 redeems its bonds (burn and cash in one transaction)", ca.connect(holder1).redeem(bondAddress));
  await r.tx(
    "the paying agent redeems holder 2 in a batch",
    ca.connect(c.payingAgent).redeemBatch(bondAddress, [holder2.address]),
  );
  r.note(
    `SZP29 supply ${await bond.totalSupply()}; redemption complete (AssetRedeemed, the directory's hook): ${(await ca.redemption(bondAddress)).completed}`,
  );
  await time.increaseTo(recordTime + 30 * DAY + 1);
  await r.tx(
    "after the claim deadline the paying agent reclaims the coupon's rest",
    ca.connect(c.payingAgent).reclaim(1, c.payingAgent.address),
  );
  const settled = await ca.distribution(1);
  r.note(
    `coupon: paid ${show(settled.paid)} + reclaimed ${show(settled.funded - settled.paid)} = funded ${show(settled.funded)}`,
  );
}

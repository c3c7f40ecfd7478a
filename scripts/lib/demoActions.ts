import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Attr, Country } from "./constants";
import type { Report } from "./report";
import type {
  AssetRegistry,
  ConsortiumGovernor,
  CorporateActions,
  IdentityRegistry,
  SecurityToken,
} from "../../typechain-types";

const DAY = 24 * 3600;

/** What the corporate-actions part of the demo needs from the rest of it. */
export interface ActionsDemoContext {
  r: Report;
  governor: ConsortiumGovernor;
  registry: IdentityRegistry;
  cash: SecurityToken;
  assets: AssetRegistry;
  /** The bond governance issued through the asset registry. */
  bond: string;
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
 * The servicing of the bond governance issued through the asset registry (`bond`): a coupon paid to
 * holders of record (one claims, the paying agent pays the other in a batch, the rest is reclaimed
 * after the deadline), then redemption at the directory's maturity until the supply is zero, when
 * corporate actions tells the directory (its redemption observer) and the bond is listed redeemed.
 * One governance proposal gives corporate actions the bond's record and supply roles and appoints
 * the paying agent.
 */
export async function demoCorporateActions(c: ActionsDemoContext): Promise<void> {
  const { r, registry, cash, assets, corporateActions: ca } = c;
  const [holder1, holder2] = c.holders;
  const decimals = await cash.decimals();
  const cashSymbol = await cash.symbol();
  const show = (amount: bigint) => `${ethers.formatUnits(amount, decimals)} ${cashSymbol}`;
  const unit = 10n ** decimals;

  const bondAddress = c.bond;
  const bond = (await ethers.getContractAt("SecurityToken", bondAddress)) as unknown as SecurityToken;
  const symbol = await bond.symbol();
  const bondUnit = 10n ** (await bond.decimals());
  r.section(`Corporate actions: the ${symbol} bond's coupon and its redemption at maturity`);
  const caAddress = await ca.getAddress();
  await passProposal(
    c,
    [
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
    `Give corporate actions the ${symbol} bond's record and supply roles; appoint its paying agent`,
  );
  const expiry = (await time.latest()) + 10 * 365 * DAY;
  const registered: string[] = [];
  for (const [wallet, name] of [
    [caAddress, "Corporate actions escrow"],
    [c.payingAgent.address, "Paying agent"],
  ] as const) {
    if (!(await registry.isVerified(wallet))) {
      await registry.connect(c.registrar).registerIdentity(wallet, ethers.id(name), Country.CN, expiry, Attr.INVESTOR);
      registered.push(name.toLowerCase());
    }
  }
  // The paying agent here is the issuer's wallet, registered when the bond was issued.
  r.note(
    `the registrar registered: ${registered.join(", ") || "nobody new"} (the escrow and the paying agent hold cash)`,
  );
  await r.tx(
    `the transfer agent issues 600 ${symbol} to holder 1`,
    bond.connect(c.transferAgent).mint(holder1.address, 600n * bondUnit),
  );
  await r.tx(
    `the transfer agent issues 400 ${symbol} to holder 2`,
    bond.connect(c.transferAgent).mint(holder2.address, 400n * bondUnit),
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
      noticeUri: `ipfs://${symbol.toLowerCase()}/coupon-1`,
      noticeHash: ethers.id(`${symbol} coupon 1 notice`),
    }),
  );
  await time.increaseTo(recordTime + 1);
  await r.tx(
    "after the record time holder 1 sells 100 bonds to holder 2 (first move: keeps record balances)",
    bond.connect(holder1).transfer(holder2.address, 100n * bondUnit),
  );
  await r.tx(
    "holder 2 sends 10 back (no record time crossed: ordinary cost)",
    bond.connect(holder2).transfer(holder1.address, 10n * bondUnit),
  );
  r.note(
    `entitlements from the record time: holder 1 ${show(await ca.entitlementOf(1, holder1.address))}, holder 2 ${show(await ca.entitlementOf(1, holder2.address))}`,
  );
  await time.increaseTo(recordTime + DAY);
  await r.tx("holder 1 claims its coupon", ca.connect(holder1).claim(1, holder1.address));
  await r.tx("the paying agent pays holder 2 in a batch", ca.connect(c.payingAgent).payBatch(1, [holder2.address]));
  const d = await ca.distribution(1);
  r.note(`coupon: funded ${show(d.funded)}, paid ${show(d.paid)}`);

  await time.increaseTo(recordTime + 30 * DAY + 1);
  await r.tx(
    "after the claim deadline the paying agent reclaims the coupon's rest",
    ca.connect(c.payingAgent).reclaim(1, c.payingAgent.address),
  );
  const settled = await ca.distribution(1);
  r.note(
    `coupon: paid ${show(settled.paid)} + reclaimed ${show(settled.funded - settled.paid)} = funded ${show(settled.funded)}`,
  );

  r.section("Redemption at maturity");
  const maturity = (await assets.assetOf(bondAddress)).maturity;
  await time.increaseTo(maturity);
  // Years have passed: the registrar renews the KYC of the wallets the redemption pays.
  const renewed = (await time.latest()) + 365 * DAY;
  for (const wallet of [holder1.address, holder2.address, c.payingAgent.address]) {
    const id = await registry.identityOf(wallet);
    await registry.connect(c.registrar).updateIdentity(wallet, id.country, renewed, id.attributes);
  }
  r.note("at maturity the registrar renews the KYC of both holders and the paying agent (annual review)");
  await r.tx(
    `at maturity the paying agent escrows ${show(1000n * unit)} per bond`,
    ca
      .connect(c.payingAgent)
      .openRedemption(bondAddress, await cash.getAddress(), 1000n * unit, maturity, 1000n * 1000n * unit),
  );
  await r.tx("holder 1 redeems its bonds (burn and cash in one transaction)", ca.connect(holder1).redeem(bondAddress));
  await r.tx(
    "the paying agent redeems holder 2 in a batch: the supply reaches zero",
    ca.connect(c.payingAgent).redeemBatch(bondAddress, [holder2.address]),
  );
  const entry = await assets.assetOf(bondAddress);
  const status = ["active", "suspended", "matured", "redeemed"][Number(entry.status)];
  r.note(
    `${symbol} supply ${await bond.totalSupply()}, redemption complete: ${(await ca.redemption(bondAddress)).completed}; the directory lists ${ethers.toUtf8String(entry.code)} ${symbol} as ${status} (token paused: ${await bond.paused()})`,
  );
}

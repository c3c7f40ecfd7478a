import { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country, Restriction } from "../../scripts/lib/constants";
import {
  BUYER_CASH,
  Leg,
  ONE_DAY,
  SELLER_SHARES,
  Status,
  TRADE_CASH,
  TRADE_SHARES,
  deploySettlementFixture,
} from "../fixtures/settlement";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { IDvPSettlement__factory } from "../../typechain-types";
import type { ReenteringERC20, DvPSettlement, DvPSettlementV2 } from "../../typechain-types";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");
const UINT96_MAX = 2n ** 96n - 1n;

/** Sends a transaction without gas estimation, so it is mined (and may revert) at a chosen timestamp. */
const MINED = { gasLimit: 1_000_000 };

type Fixture = Awaited<ReturnType<typeof deploySettlementFixture>>;

/** Every balance a settlement could touch, to prove that nothing moved. */
async function holdings(f: Fixture): Promise<bigint[]> {
  const wallets = [f.seller, f.buyer, f.foreigner, f.feeCollector, f.outsider].map((s) => s.address);
  wallets.push(f.dvpAddress);
  const out: bigint[] = [];
  for (const w of wallets) {
    out.push(await f.securityToken.balanceOf(w));
    out.push(await f.cashToken.balanceOf(w));
  }
  return out;
}

/** Turns on the security token's country rule with only CN allowed, so the KP foreigner cannot receive shares. */
async function allowOnlyCN(f: Fixture): Promise<void> {
  await f.securityToken.connect(f.agent).setCountryRestriction(true);
  await f.securityToken.connect(f.agent).setCountryAllowed(Country.CN, true);
}

/** Three deferred tickets affirmed (Ready): #1 and #2 seller -> buyer, #3 proposed by the buyer. */
async function readyFixture() {
  const f = await deploySettlementFixture();
  const a = await f.propose(f.seller, { deferred: true, assetAmount: 10n, cashAmount: 1_000n });
  const b = await f.propose(f.seller, { deferred: true, assetAmount: 20n, cashAmount: 2_000n });
  const c = await f.propose(f.buyer, { deferred: true, assetAmount: 30n, cashAmount: 3_000n });
  await f.dvp.connect(f.buyer).affirm(a);
  await f.dvp.connect(f.buyer).affirm(b);
  await f.dvp.connect(f.seller).affirm(c);
  return { ...f, ids: [a, b, c] };
}

/** A settlement whose cash leg is a malicious ERC-20 that calls back into the DvP contract. */
async function reentrancyFixture() {
  const f = await deploySettlementFixture();
  const evil = (await (await ethers.getContractFactory("ReenteringERC20")).deploy()) as unknown as ReenteringERC20;
  const evilAddress = await evil.getAddress();
  await evil.mint(f.buyer.address, BUYER_CASH);
  await evil.connect(f.buyer).approve(f.dvpAddress, ethers.MaxUint256);
  return { ...f, evil, evilAddress };
}

describe("DvPSettlement", function () {
  describe("initialize", function () {
    it("is deployed by Ignition with the registry, the timelock as admin and the guardian; the deployer has no role", async function () {
      const { dvp, identityRegistry, timelock, guardian, deployer } = await loadFixture(deploySettlementFixture);
      expect(await dvp.identityRegistry()).to.equal(await identityRegistry.getAddress());
      const timelockAddress = await timelock.getAddress();
      expect(await dvp.hasRole(DEFAULT_ADMIN_ROLE, timelockAddress)).to.equal(true);
      expect(await dvp.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(true);
      expect(await dvp.hasRole(GUARDIAN_ROLE, timelockAddress)).to.equal(false);
      expect(await dvp.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
      expect(await dvp.hasRole(GUARDIAN_ROLE, deployer.address)).to.equal(false);
      expect(await dvp.GUARDIAN_ROLE()).to.equal(GUARDIAN_ROLE);
      expect(await dvp.MAX_FEE_BASIS_POINTS()).to.equal(1000n);
      expect(await dvp.fee()).to.deep.equal([ethers.ZeroAddress, 0n]);
      expect(await dvp.paused()).to.equal(false);
      expect(await dvp.ticketCount()).to.equal(0n);
    });

    it("reverts with ZeroAddress for a zero registry, a zero admin or a zero guardian", async function () {
      const { identityRegistry, timelock, guardian } = await loadFixture(deploySettlementFixture);
      const factory = await ethers.getContractFactory("DvPSettlement");
      const registry = await identityRegistry.getAddress();
      const admin = await timelock.getAddress();
      for (const args of [
        [ethers.ZeroAddress, admin, [guardian.address]],
        [registry, ethers.ZeroAddress, [guardian.address]],
        [registry, admin, [guardian.address, ethers.ZeroAddress]],
      ]) {
        await expect(upgrades.deployProxy(factory, args, { kind: "uups" })).to.be.revertedWithCustomError(
          factory,
          "ZeroAddress",
        );
      }
      // Control: the same arguments without a zero address deploy.
      const ok = (await upgrades.deployProxy(factory, [registry, admin, [guardian.address]], {
        kind: "uups",
      })) as unknown as DvPSettlement;
      expect(await ok.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(true);
    });

    it("cannot be initialized twice, nor the implementation at all (InvalidInitialization)", async function () {
      const { dvp, dvpAddress, identityRegistry, outsider } = await loadFixture(deploySettlementFixture);
      const registry = await identityRegistry.getAddress();
      await expect(
        dvp.connect(outsider).initialize(registry, outsider.address, [outsider.address]),
      ).to.be.revertedWithCustomError(dvp, "InvalidInitialization");
      const implementation = dvp.attach(await upgrades.erc1967.getImplementationAddress(dvpAddress)) as DvPSettlement;
      await expect(
        implementation.connect(outsider).initialize(registry, outsider.address, []),
      ).to.be.revertedWithCustomError(dvp, "InvalidInitialization");
      expect(await dvp.hasRole(DEFAULT_ADMIN_ROLE, outsider.address)).to.equal(false);
    });
  });

  describe("propose", function () {
    it("by the seller: emits TradeProposed with every term, stores the ticket, moves nothing", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, seller, buyer, assetAddress, cashAddress, tradeExpiry } = f;
      const before = await holdings(f);
      const reference = ethers.encodeBytes32String("ORDER-42");
      await expect(dvp.connect(seller).propose(f.terms({ clientReference: reference })))
        .to.emit(dvp, "TradeProposed")
        .withArgs(
          1n,
          seller.address,
          buyer.address,
          assetAddress,
          TRADE_SHARES,
          cashAddress,
          TRADE_CASH,
          tradeExpiry,
          reference,
          false,
          seller.address,
        );
      expect(await dvp.ticketCount()).to.equal(1n);
      expect(await dvp.ticketOf(1)).to.deep.equal([
        seller.address,
        buyer.address,
        assetAddress,
        TRADE_SHARES,
        cashAddress,
        TRADE_CASH,
        BigInt(tradeExpiry),
        BigInt(Status.Proposed),
        false,
        seller.address,
        reference,
      ]);
      expect(await holdings(f)).to.deep.equal(before);
    });

    it("by the buyer: the buyer is the proposer; the deferred flag is kept", async function () {
      const { dvp, seller, buyer, assetAddress, cashAddress, tradeExpiry, terms } =
        await loadFixture(deploySettlementFixture);
      const reference = ethers.encodeBytes32String("REF-1");
      await expect(dvp.connect(buyer).propose(terms({ deferred: true })))
        .to.emit(dvp, "TradeProposed")
        .withArgs(
          1n,
          seller.address,
          buyer.address,
          assetAddress,
          TRADE_SHARES,
          cashAddress,
          TRADE_CASH,
          tradeExpiry,
          reference,
          true,
          buyer.address,
        );
      const ticket = await dvp.ticketOf(1);
      expect(ticket.proposer).to.equal(buyer.address);
      expect(ticket.seller).to.equal(seller.address);
      expect(ticket.buyer).to.equal(buyer.address);
      expect(ticket.deferred).to.equal(true);
      expect(ticket.status).to.equal(BigInt(Status.Proposed));
    });

    it("gives sequential ids 1, 2, 3 (ticketCount); unknown ids revert UnknownTicket", async function () {
      const { dvp, seller, buyer, terms } = await loadFixture(deploySettlementFixture);
      await expect(dvp.ticketOf(1)).to.be.revertedWithCustomError(dvp, "UnknownTicket").withArgs(1n);
      const proposers = [seller, buyer, seller];
      for (let i = 0; i < proposers.length; ++i) {
        const id = BigInt(i + 1);
        // staticCall returns the id the transaction will get.
        expect(await dvp.connect(proposers[i]).propose.staticCall(terms({ assetAmount: id }))).to.equal(id);
        await expect(dvp.connect(proposers[i]).propose(terms({ assetAmount: id })))
          .to.emit(dvp, "TradeProposed")
          .withArgs(id, seller.address, buyer.address, ...Array(8).fill(anyValue));
        expect(await dvp.ticketCount()).to.equal(id);
        expect((await dvp.ticketOf(id)).assetAmount).to.equal(id);
      }
      await expect(dvp.ticketOf(0)).to.be.revertedWithCustomError(dvp, "UnknownTicket").withArgs(0n);
      await expect(dvp.ticketOf(4)).to.be.revertedWithCustomError(dvp, "UnknownTicket").withArgs(4n);
    });

    it("reverts with ZeroAddress for each zero address field", async function () {
      const { dvp, seller, buyer, terms } = await loadFixture(deploySettlementFixture);
      // A zero buyer with the seller proposing, a zero seller with the buyer proposing.
      await expect(dvp.connect(buyer).propose(terms({ seller: ethers.ZeroAddress }))).to.be.revertedWithCustomError(
        dvp,
        "ZeroAddress",
      );
      await expect(dvp.connect(seller).propose(terms({ buyer: ethers.ZeroAddress }))).to.be.revertedWithCustomError(
        dvp,
        "ZeroAddress",
      );
      await expect(dvp.connect(seller).propose(terms({ asset: ethers.ZeroAddress }))).to.be.revertedWithCustomError(
        dvp,
        "ZeroAddress",
      );
      await expect(dvp.connect(seller).propose(terms({ cash: ethers.ZeroAddress }))).to.be.revertedWithCustomError(
        dvp,
        "ZeroAddress",
      );
      expect(await dvp.ticketCount()).to.equal(0n);
    });

    it("reverts with SameCounterparty when seller and buyer are the same wallet", async function () {
      const { dvp, seller, terms } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(seller).propose(terms({ buyer: seller.address })))
        .to.be.revertedWithCustomError(dvp, "SameCounterparty")
        .withArgs(seller.address);
    });

    it("reverts with NotCounterparty for a verified third party", async function () {
      const { dvp, foreigner, terms } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(foreigner).propose(terms()))
        .to.be.revertedWithCustomError(dvp, "NotCounterparty")
        .withArgs(foreigner.address);
    });

    it("reverts with NotVerified for an unregistered proposer", async function () {
      const { dvp, outsider, buyer, seller, terms } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(outsider).propose(terms({ seller: outsider.address })))
        .to.be.revertedWithCustomError(dvp, "NotVerified")
        .withArgs(outsider.address);
      await expect(dvp.connect(outsider).propose(terms({ buyer: outsider.address })))
        .to.be.revertedWithCustomError(dvp, "NotVerified")
        .withArgs(outsider.address);
      // The seller and the buyer are verified and may propose.
      await dvp.connect(seller).propose(terms());
      await dvp.connect(buyer).propose(terms());
      expect(await dvp.ticketCount()).to.equal(2n);
    });

    it("reverts with NotVerified once the proposer's identity has expired", async function () {
      const { dvp, identityRegistry, registrar, spare, terms } = await loadFixture(deploySettlementFixture);
      const [shortLived] = spare;
      const identityExpiry = (await time.latest()) + 3600;
      await identityRegistry
        .connect(registrar)
        .registerIdentity(shortLived.address, ethers.id("entity:SHORT"), Country.CN, identityExpiry, Attr.INVESTOR);
      const longTerms = terms({ seller: shortLived.address, expiry: identityExpiry + ONE_DAY * 7 });
      await expect(dvp.connect(shortLived).propose(longTerms)).to.emit(dvp, "TradeProposed");
      // At the identity's expiry it is no longer verified.
      await time.setNextBlockTimestamp(identityExpiry);
      await expect(dvp.connect(shortLived).propose(longTerms, MINED))
        .to.be.revertedWithCustomError(dvp, "NotVerified")
        .withArgs(shortLived.address);
      expect(await dvp.ticketCount()).to.equal(1n);
    });

    it("reverts with ZeroAmount for a zero asset amount and for a zero cash amount", async function () {
      const { dvp, seller, terms } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(seller).propose(terms({ assetAmount: 0n }))).to.be.revertedWithCustomError(
        dvp,
        "ZeroAmount",
      );
      await expect(dvp.connect(seller).propose(terms({ cashAmount: 0n }))).to.be.revertedWithCustomError(
        dvp,
        "ZeroAmount",
      );
      // One unit of each is fine.
      await dvp.connect(seller).propose(terms({ assetAmount: 1n, cashAmount: 1n }));
      expect(await dvp.ticketCount()).to.equal(1n);
    });

    it("reverts with AmountTooLarge above the uint96 maximum, on either leg; the maximum itself is stored intact", async function () {
      const { dvp, seller, terms } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(seller).propose(terms({ assetAmount: UINT96_MAX + 1n })))
        .to.be.revertedWithCustomError(dvp, "AmountTooLarge")
        .withArgs(UINT96_MAX + 1n);
      await expect(dvp.connect(seller).propose(terms({ cashAmount: UINT96_MAX + 1n })))
        .to.be.revertedWithCustomError(dvp, "AmountTooLarge")
        .withArgs(UINT96_MAX + 1n);
      await expect(dvp.connect(seller).propose(terms({ cashAmount: ethers.MaxUint256 })))
        .to.be.revertedWithCustomError(dvp, "AmountTooLarge")
        .withArgs(ethers.MaxUint256);
      await dvp.connect(seller).propose(terms({ assetAmount: UINT96_MAX, cashAmount: UINT96_MAX }));
      const ticket = await dvp.ticketOf(1);
      expect(ticket.assetAmount).to.equal(UINT96_MAX);
      expect(ticket.cashAmount).to.equal(UINT96_MAX);
    });

    it("reverts with ExpiryInPast for an expiry equal to the block time or earlier", async function () {
      const { dvp, seller, terms } = await loadFixture(deploySettlementFixture);
      const now = await time.latest();
      await expect(dvp.connect(seller).propose(terms({ expiry: now - 1 })))
        .to.be.revertedWithCustomError(dvp, "ExpiryInPast")
        .withArgs(now - 1);
      await expect(dvp.connect(seller).propose(terms({ expiry: 0 })))
        .to.be.revertedWithCustomError(dvp, "ExpiryInPast")
        .withArgs(0);
      const t = now + 100;
      await time.setNextBlockTimestamp(t);
      await expect(dvp.connect(seller).propose(terms({ expiry: t }), MINED))
        .to.be.revertedWithCustomError(dvp, "ExpiryInPast")
        .withArgs(t);
      // One second after the block time is accepted.
      await time.setNextBlockTimestamp(t + 1);
      await expect(dvp.connect(seller).propose(terms({ expiry: t + 2 }), MINED)).to.emit(dvp, "TradeProposed");
      expect((await dvp.ticketOf(1)).expiry).to.equal(BigInt(t + 2));
    });

    it("reverts with EnforcedPause while paused", async function () {
      const { dvp, seller, guardian, terms } = await loadFixture(deploySettlementFixture);
      await dvp.connect(guardian).pause();
      await expect(dvp.connect(seller).propose(terms())).to.be.revertedWithCustomError(dvp, "EnforcedPause");
      expect(await dvp.ticketCount()).to.equal(0n);
    });
  });

  describe("affirm", function () {
    it("only the other party affirms (NotAffirmingParty for the proposer and for outsiders)", async function () {
      const { dvp, seller, buyer, foreigner, outsider, propose } = await loadFixture(deploySettlementFixture);
      const bySeller = await propose(seller);
      for (const caller of [seller, foreigner, outsider]) {
        await expect(dvp.connect(caller).affirm(bySeller))
          .to.be.revertedWithCustomError(dvp, "NotAffirmingParty")
          .withArgs(bySeller, caller.address);
      }
      const byBuyer = await propose(buyer);
      for (const caller of [buyer, foreigner, outsider]) {
        await expect(dvp.connect(caller).affirm(byBuyer))
          .to.be.revertedWithCustomError(dvp, "NotAffirmingParty")
          .withArgs(byBuyer, caller.address);
      }
      expect((await dvp.ticketOf(bySeller)).status).to.equal(BigInt(Status.Proposed));
      expect((await dvp.ticketOf(byBuyer)).status).to.equal(BigInt(Status.Proposed));
    });

    it("the buyer affirms a seller's ticket: both legs move exactly (TradeAffirmed, TradeSettled), status Settled", async function () {
      const { dvp, dvpAddress, securityToken, cashToken, seller, buyer, propose } =
        await loadFixture(deploySettlementFixture);
      const id = await propose(seller);
      const tx = dvp.connect(buyer).affirm(id);
      await expect(tx).to.emit(dvp, "TradeAffirmed").withArgs(id, buyer.address);
      await expect(tx).to.emit(dvp, "TradeSettled").withArgs(id, 0n);
      await expect(tx).to.changeTokenBalances(
        securityToken,
        [seller, buyer, dvpAddress],
        [-TRADE_SHARES, TRADE_SHARES, 0n],
      );
      await expect(tx).to.changeTokenBalances(cashToken, [seller, buyer, dvpAddress], [TRADE_CASH, -TRADE_CASH, 0n]);
      await expect(tx)
        .to.emit(securityToken, "Transfer")
        .withArgs(seller.address, buyer.address, TRADE_SHARES)
        .and.to.emit(cashToken, "Transfer")
        .withArgs(buyer.address, seller.address, TRADE_CASH);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Settled));
      expect(await securityToken.balanceOf(seller.address)).to.equal(SELLER_SHARES - TRADE_SHARES);
      expect(await cashToken.balanceOf(buyer.address)).to.equal(BUYER_CASH - TRADE_CASH);
    });

    it("the seller affirms a buyer's ticket and it settles the same way", async function () {
      const { dvp, securityToken, cashToken, seller, buyer, propose } = await loadFixture(deploySettlementFixture);
      const id = await propose(buyer, { assetAmount: 7n, cashAmount: 12_345n });
      const tx = dvp.connect(seller).affirm(id);
      await expect(tx).to.emit(dvp, "TradeAffirmed").withArgs(id, seller.address);
      await expect(tx).to.emit(dvp, "TradeSettled").withArgs(id, 0n);
      await expect(tx).to.changeTokenBalances(securityToken, [seller, buyer], [-7n, 7n]);
      await expect(tx).to.changeTokenBalances(cashToken, [seller, buyer], [12_345n, -12_345n]);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Settled));
    });

    it("works one second before the expiry", async function () {
      const { dvp, securityToken, seller, buyer, propose } = await loadFixture(deploySettlementFixture);
      const expiry = (await time.latest()) + 1_000;
      const id = await propose(seller, { expiry });
      await time.setNextBlockTimestamp(expiry - 1);
      const tx = dvp.connect(buyer).affirm(id, MINED);
      await expect(tx).to.emit(dvp, "TradeSettled").withArgs(id, 0n);
      await expect(tx).to.changeTokenBalances(securityToken, [seller, buyer], [-TRADE_SHARES, TRADE_SHARES]);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Settled));
    });

    it("reverts with TicketExpired(id, expiry) at the expiry; nothing moves", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, seller, buyer, propose } = f;
      const expiry = (await time.latest()) + 1_000;
      const id = await propose(seller, { expiry });
      const before = await holdings(f);
      await time.setNextBlockTimestamp(expiry);
      await expect(dvp.connect(buyer).affirm(id, MINED))
        .to.be.revertedWithCustomError(dvp, "TicketExpired")
        .withArgs(id, expiry);
      expect(await holdings(f)).to.deep.equal(before);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Proposed));
    });

    it("reverts with InvalidTicketStatus for a settled, a cancelled or an already affirmed deferred ticket", async function () {
      const { dvp, seller, buyer, propose } = await loadFixture(deploySettlementFixture);
      const settled = await propose(seller);
      await dvp.connect(buyer).affirm(settled);
      await expect(dvp.connect(buyer).affirm(settled))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(settled, Status.Settled);

      const cancelled = await propose(seller);
      await dvp.connect(seller).cancel(cancelled);
      await expect(dvp.connect(buyer).affirm(cancelled))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(cancelled, Status.Cancelled);

      const ready = await propose(seller, { deferred: true });
      await dvp.connect(buyer).affirm(ready);
      await expect(dvp.connect(buyer).affirm(ready))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(ready, Status.Ready);
    });

    it("reverts with UnknownTicket for an id never proposed", async function () {
      const { dvp, seller, buyer, propose } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(buyer).affirm(1)).to.be.revertedWithCustomError(dvp, "UnknownTicket").withArgs(1n);
      const id = await propose(seller);
      await expect(dvp.connect(buyer).affirm(id + 1n))
        .to.be.revertedWithCustomError(dvp, "UnknownTicket")
        .withArgs(id + 1n);
      await expect(dvp.connect(buyer).affirm(0)).to.be.revertedWithCustomError(dvp, "UnknownTicket").withArgs(0n);
    });

    it("reverts with EnforcedPause while paused, and settles once unpaused", async function () {
      const { dvp, seller, buyer, guardian, timelockSigner, propose } = await loadFixture(deploySettlementFixture);
      const id = await propose(seller);
      await dvp.connect(guardian).pause();
      await expect(dvp.connect(buyer).affirm(id)).to.be.revertedWithCustomError(dvp, "EnforcedPause");
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Proposed));
      await dvp.connect(timelockSigner).unpause();
      await expect(dvp.connect(buyer).affirm(id)).to.emit(dvp, "TradeSettled").withArgs(id, 0n);
    });
  });

  describe("both or neither", function () {
    it("a blocked asset leg (buyer's country not allowed) reverts LegRestricted(Asset, 7); nothing moves", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, securityToken, seller, foreigner, propose } = f;
      const id = await propose(seller, { buyer: foreigner.address });
      // Control: before the country rule is on, the trade would pass the asset rules.
      expect(await securityToken.detectTransferRestriction(seller.address, foreigner.address, TRADE_SHARES)).to.equal(
        BigInt(Restriction.NONE),
      );
      await allowOnlyCN(f);
      expect(await securityToken.detectTransferRestriction(seller.address, foreigner.address, TRADE_SHARES)).to.equal(
        BigInt(Restriction.COUNTRY_NOT_ALLOWED),
      );
      const before = await holdings(f);
      await expect(dvp.connect(foreigner).affirm(id))
        .to.be.revertedWithCustomError(dvp, "LegRestricted")
        .withArgs(Leg.Asset, Restriction.COUNTRY_NOT_ALLOWED);
      expect(await holdings(f)).to.deep.equal(before);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Proposed));
    });

    it("a blocked cash leg (seller frozen on the cash token) reverts LegRestricted(Cash, 2); nothing moves; it settles once unfrozen", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, cashToken, securityToken, cashIssuer, seller, buyer, propose } = f;
      const id = await propose(seller);
      await cashToken.connect(cashIssuer).setAddressFrozen(seller.address, true);
      const before = await holdings(f);
      await expect(dvp.connect(buyer).affirm(id))
        .to.be.revertedWithCustomError(dvp, "LegRestricted")
        .withArgs(Leg.Cash, Restriction.WALLET_FROZEN);
      expect(await holdings(f)).to.deep.equal(before);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Proposed));

      await cashToken.connect(cashIssuer).setAddressFrozen(seller.address, false);
      await expect(dvp.connect(buyer).affirm(id)).to.changeTokenBalances(
        securityToken,
        [seller, buyer],
        [-TRADE_SHARES, TRADE_SHARES],
      );
    });

    it("insufficient cash reverts LegRestricted(Cash, 3); nothing moves", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, seller, buyer, propose } = f;
      const id = await propose(seller, { cashAmount: BUYER_CASH + 1n });
      const before = await holdings(f);
      await expect(dvp.connect(buyer).affirm(id))
        .to.be.revertedWithCustomError(dvp, "LegRestricted")
        .withArgs(Leg.Cash, Restriction.INSUFFICIENT_UNFROZEN_BALANCE);
      expect(await holdings(f)).to.deep.equal(before);
    });

    it("insufficient shares reverts LegRestricted(Asset, 3); nothing moves", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, seller, buyer, propose } = f;
      const id = await propose(buyer, { assetAmount: SELLER_SHARES + 1n });
      const before = await holdings(f);
      await expect(dvp.connect(seller).affirm(id))
        .to.be.revertedWithCustomError(dvp, "LegRestricted")
        .withArgs(Leg.Asset, Restriction.INSUFFICIENT_UNFROZEN_BALANCE);
      expect(await holdings(f)).to.deep.equal(before);
    });

    it("a missing share approval reverts (ERC20InsufficientAllowance); nothing moves", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, dvpAddress, securityToken, seller, buyer, propose } = f;
      const id = await propose(seller);
      await securityToken.connect(seller).approve(dvpAddress, 0);
      const before = await holdings(f);
      await expect(dvp.connect(buyer).affirm(id))
        .to.be.revertedWithCustomError(securityToken, "ERC20InsufficientAllowance")
        .withArgs(dvpAddress, 0n, TRADE_SHARES);
      expect(await holdings(f)).to.deep.equal(before);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Proposed));
    });

    it("a missing cash approval reverts after the asset leg (ERC20InsufficientAllowance); the asset leg is undone", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, dvpAddress, cashToken, seller, buyer, propose } = f;
      const id = await propose(seller);
      await cashToken.connect(buyer).approve(dvpAddress, TRADE_CASH - 1n);
      const before = await holdings(f);
      await expect(dvp.connect(buyer).affirm(id))
        .to.be.revertedWithCustomError(cashToken, "ERC20InsufficientAllowance")
        .withArgs(dvpAddress, TRADE_CASH - 1n, TRADE_CASH);
      expect(await holdings(f)).to.deep.equal(before);
      expect(await cashToken.allowance(buyer.address, dvpAddress)).to.equal(TRADE_CASH - 1n);
    });

    it("a plain ERC-20 cash token without detectTransferRestriction settles", async function () {
      const { dvp, dvpAddress, securityToken, seller, buyer, propose } = await loadFixture(deploySettlementFixture);
      const plain = await (await ethers.getContractFactory("BaselineERC20")).deploy();
      await plain.mint(buyer.address, 5_000n);
      await plain.connect(buyer).approve(dvpAddress, ethers.MaxUint256);
      const id = await propose(seller, { cash: await plain.getAddress(), cashAmount: 4_000n });
      const tx = dvp.connect(buyer).affirm(id);
      await expect(tx).to.emit(dvp, "TradeSettled").withArgs(id, 0n);
      await expect(tx).to.changeTokenBalances(plain, [seller, buyer], [4_000n, -4_000n]);
      await expect(tx).to.changeTokenBalances(securityToken, [seller, buyer], [-TRADE_SHARES, TRADE_SHARES]);
    });

    it("a plain ERC-20 cash leg that cannot be paid reverts with the token's own error; nothing moves", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, dvpAddress, seller, buyer, propose } = f;
      const plain = await (await ethers.getContractFactory("BaselineERC20")).deploy();
      await plain.mint(buyer.address, 10n);
      await plain.connect(buyer).approve(dvpAddress, ethers.MaxUint256);
      const id = await propose(seller, { cash: await plain.getAddress(), cashAmount: 11n });
      const before = await holdings(f);
      await expect(dvp.connect(buyer).affirm(id))
        .to.be.revertedWithCustomError(plain, "ERC20InsufficientBalance")
        .withArgs(buyer.address, 10n, 11n);
      expect(await holdings(f)).to.deep.equal(before);
      expect(await plain.balanceOf(buyer.address)).to.equal(10n);
    });
  });

  describe("cancel", function () {
    it("the proposer cancels before affirmation (TradeCancelled); the ticket can no longer be affirmed", async function () {
      const { dvp, seller, buyer, propose } = await loadFixture(deploySettlementFixture);
      const bySeller = await propose(seller);
      await expect(dvp.connect(seller).cancel(bySeller))
        .to.emit(dvp, "TradeCancelled")
        .withArgs(bySeller, seller.address);
      expect((await dvp.ticketOf(bySeller)).status).to.equal(BigInt(Status.Cancelled));

      const byBuyer = await propose(buyer, { deferred: true });
      await expect(dvp.connect(buyer).cancel(byBuyer)).to.emit(dvp, "TradeCancelled").withArgs(byBuyer, buyer.address);
      expect((await dvp.ticketOf(byBuyer)).status).to.equal(BigInt(Status.Cancelled));
      await expect(dvp.connect(seller).affirm(byBuyer))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(byBuyer, Status.Cancelled);
    });

    it("before expiry, the other party and outsiders cannot cancel a proposed ticket (NotProposer)", async function () {
      const { dvp, seller, buyer, outsider, propose } = await loadFixture(deploySettlementFixture);
      const id = await propose(seller);
      for (const caller of [buyer, outsider]) {
        await expect(dvp.connect(caller).cancel(id))
          .to.be.revertedWithCustomError(dvp, "NotProposer")
          .withArgs(id, caller.address);
      }
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Proposed));
    });

    it("from the expiry on, either party cancels a Proposed ticket; an outsider cannot (NotCounterparty)", async function () {
      const { dvp, seller, buyer, outsider, propose } = await loadFixture(deploySettlementFixture);
      const expiry = (await time.latest()) + 1_000;
      const first = await propose(seller, { expiry });
      const second = await propose(seller, { expiry });
      // One second before the expiry the other party still cannot.
      await time.setNextBlockTimestamp(expiry - 1);
      await expect(dvp.connect(buyer).cancel(first, MINED))
        .to.be.revertedWithCustomError(dvp, "NotProposer")
        .withArgs(first, buyer.address);
      // At the expiry the ticket counts as expired.
      await time.setNextBlockTimestamp(expiry);
      await expect(dvp.connect(buyer).cancel(first, MINED))
        .to.emit(dvp, "TradeCancelled")
        .withArgs(first, buyer.address);
      await expect(dvp.connect(outsider).cancel(second))
        .to.be.revertedWithCustomError(dvp, "NotCounterparty")
        .withArgs(outsider.address);
      await expect(dvp.connect(seller).cancel(second)).to.emit(dvp, "TradeCancelled").withArgs(second, seller.address);
      expect((await dvp.ticketOf(first)).status).to.equal(BigInt(Status.Cancelled));
      expect((await dvp.ticketOf(second)).status).to.equal(BigInt(Status.Cancelled));
    });

    it("an expired Ready ticket may be cancelled by either party, not by an outsider (NotCounterparty)", async function () {
      const { dvp, seller, buyer, outsider, propose } = await loadFixture(deploySettlementFixture);
      const expiry = (await time.latest()) + 1_000;
      const first = await propose(seller, { expiry, deferred: true });
      const second = await propose(buyer, { expiry, deferred: true });
      await dvp.connect(buyer).affirm(first);
      await dvp.connect(seller).affirm(second);
      await time.increaseTo(expiry);
      await expect(dvp.connect(outsider).cancel(first))
        .to.be.revertedWithCustomError(dvp, "NotCounterparty")
        .withArgs(outsider.address);
      await expect(dvp.connect(seller).cancel(first)).to.emit(dvp, "TradeCancelled").withArgs(first, seller.address);
      await expect(dvp.connect(buyer).cancel(second)).to.emit(dvp, "TradeCancelled").withArgs(second, buyer.address);
      expect((await dvp.ticketOf(first)).status).to.equal(BigInt(Status.Cancelled));
      expect((await dvp.ticketOf(second)).status).to.equal(BigInt(Status.Cancelled));
    });

    it("a Ready ticket before expiry is cancelled only when both parties ask (CancelRequested, then TradeCancelled)", async function () {
      const { dvp, seller, buyer, outsider, propose } = await loadFixture(deploySettlementFixture);
      const id = await propose(seller, { deferred: true });
      await dvp.connect(buyer).affirm(id);
      await expect(dvp.connect(outsider).cancel(id))
        .to.be.revertedWithCustomError(dvp, "NotCounterparty")
        .withArgs(outsider.address);
      await expect(dvp.connect(seller).cancel(id)).to.emit(dvp, "CancelRequested").withArgs(id, seller.address);
      // Asking twice changes nothing: one party alone never cancels a Ready ticket.
      await expect(dvp.connect(seller).cancel(id)).to.emit(dvp, "CancelRequested").withArgs(id, seller.address);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Ready));
      await expect(dvp.connect(buyer).cancel(id)).to.emit(dvp, "TradeCancelled").withArgs(id, buyer.address);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Cancelled));
      await expect(dvp.settleBatch([id]))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(id, Status.Cancelled);
    });

    it("the buyer may ask first; the request alone still settles in the batch", async function () {
      const { dvp, seller, buyer, propose } = await loadFixture(deploySettlementFixture);
      const id = await propose(seller, { deferred: true });
      await dvp.connect(buyer).affirm(id);
      await expect(dvp.connect(buyer).cancel(id)).to.emit(dvp, "CancelRequested").withArgs(id, buyer.address);
      await expect(dvp.settleBatch([id]))
        .to.emit(dvp, "TradeSettled")
        .withArgs(id, 0n);
    });

    it("a settled or cancelled ticket cannot be cancelled, even after expiry (InvalidTicketStatus)", async function () {
      const { dvp, seller, buyer, propose, tradeExpiry } = await loadFixture(deploySettlementFixture);
      const settled = await propose(seller);
      await dvp.connect(buyer).affirm(settled);
      const cancelled = await propose(seller);
      await dvp.connect(seller).cancel(cancelled);
      for (const caller of [seller, buyer]) {
        await expect(dvp.connect(caller).cancel(settled))
          .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
          .withArgs(settled, Status.Settled);
      }
      await expect(dvp.connect(seller).cancel(cancelled))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(cancelled, Status.Cancelled);
      await time.increaseTo(tradeExpiry + 1);
      await expect(dvp.connect(buyer).cancel(settled))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(settled, Status.Settled);
      await expect(dvp.connect(buyer).cancel(cancelled))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(cancelled, Status.Cancelled);
      expect((await dvp.ticketOf(settled)).status).to.equal(BigInt(Status.Settled));
    });

    it("reverts with UnknownTicket for an id never proposed", async function () {
      const { dvp, seller } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(seller).cancel(1)).to.be.revertedWithCustomError(dvp, "UnknownTicket").withArgs(1n);
    });

    it("still works while paused (pausing stops proposals and settlements only)", async function () {
      const { dvp, seller, guardian, propose } = await loadFixture(deploySettlementFixture);
      const id = await propose(seller);
      await dvp.connect(guardian).pause();
      await expect(dvp.connect(seller).cancel(id)).to.emit(dvp, "TradeCancelled").withArgs(id, seller.address);
    });
  });

  describe("deferred tickets and settleBatch", function () {
    it("affirming a deferred ticket marks it Ready and moves nothing", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, seller, buyer, propose } = f;
      const id = await propose(seller, { deferred: true });
      const before = await holdings(f);
      const tx = dvp.connect(buyer).affirm(id);
      await expect(tx).to.emit(dvp, "TradeAffirmed").withArgs(id, buyer.address);
      await expect(tx).to.not.emit(dvp, "TradeSettled");
      expect(await holdings(f)).to.deep.equal(before);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Ready));
    });

    it("settleBatch settles every ticket (TradeSettled each); balances move by the sums", async function () {
      const { dvp, securityToken, cashToken, seller, buyer, ids } = await loadFixture(readyFixture);
      const tx = dvp.connect(seller).settleBatch(ids);
      for (const id of ids) await expect(tx).to.emit(dvp, "TradeSettled").withArgs(id, 0n);
      await expect(tx).to.changeTokenBalances(securityToken, [seller, buyer], [-60n, 60n]);
      await expect(tx).to.changeTokenBalances(cashToken, [seller, buyer], [6_000n, -6_000n]);
      for (const id of ids) expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Settled));
    });

    it("anyone may call settleBatch", async function () {
      const { dvp, securityToken, seller, buyer, outsider, ids } = await loadFixture(readyFixture);
      const tx = dvp.connect(outsider).settleBatch([ids[1]]);
      await expect(tx).to.emit(dvp, "TradeSettled").withArgs(ids[1], 0n);
      await expect(tx).to.changeTokenBalances(securityToken, [seller, buyer], [-20n, 20n]);
      expect((await dvp.ticketOf(ids[0])).status).to.equal(BigInt(Status.Ready));
      expect((await dvp.ticketOf(ids[1])).status).to.equal(BigInt(Status.Settled));
    });

    it("a ticket that is not Ready makes the whole batch revert (InvalidTicketStatus); nothing moves", async function () {
      const f = await loadFixture(readyFixture);
      const { dvp, seller, buyer, ids, propose } = f;
      const proposed = await propose(seller, { deferred: true });
      const settled = await propose(seller);
      await dvp.connect(buyer).affirm(settled);
      const before = await holdings(f);
      await expect(dvp.settleBatch([...ids, proposed]))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(proposed, Status.Proposed);
      await expect(dvp.settleBatch([ids[0], settled, ids[1]]))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(settled, Status.Settled);
      // The same ticket twice: the second time it is already settled.
      await expect(dvp.settleBatch([ids[0], ids[0]]))
        .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
        .withArgs(ids[0], Status.Settled);
      expect(await holdings(f)).to.deep.equal(before);
      for (const id of ids) expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Ready));
    });

    it("an expired ticket makes the whole batch revert (TicketExpired); nothing moves", async function () {
      const f = await loadFixture(readyFixture);
      const { dvp, seller, buyer, ids, propose } = f;
      const expiry = (await time.latest()) + 1_000;
      const shortLived = await propose(seller, { deferred: true, expiry });
      await dvp.connect(buyer).affirm(shortLived);
      const before = await holdings(f);
      await time.setNextBlockTimestamp(expiry);
      await expect(dvp.settleBatch([...ids, shortLived], MINED))
        .to.be.revertedWithCustomError(dvp, "TicketExpired")
        .withArgs(shortLived, expiry);
      expect(await holdings(f)).to.deep.equal(before);
      for (const id of ids) expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Ready));
      expect((await dvp.ticketOf(shortLived)).status).to.equal(BigInt(Status.Ready));
      // The others still settle without it.
      await expect(dvp.settleBatch(ids)).to.emit(dvp, "TradeSettled");
    });

    it("an unknown ticket makes the whole batch revert (UnknownTicket); nothing moves", async function () {
      const f = await loadFixture(readyFixture);
      const { dvp, ids } = f;
      const before = await holdings(f);
      await expect(dvp.settleBatch([...ids, 99n]))
        .to.be.revertedWithCustomError(dvp, "UnknownTicket")
        .withArgs(99n);
      expect(await holdings(f)).to.deep.equal(before);
      for (const id of ids) expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Ready));
    });

    it("a leg-restricted ticket at the end makes the whole batch revert (LegRestricted); nothing moves", async function () {
      const f = await loadFixture(readyFixture);
      const { dvp, seller, foreigner, ids, propose } = f;
      const toForeigner = await propose(seller, { deferred: true, buyer: foreigner.address });
      await dvp.connect(foreigner).affirm(toForeigner);
      await allowOnlyCN(f);
      const before = await holdings(f);
      await expect(dvp.settleBatch([...ids, toForeigner]))
        .to.be.revertedWithCustomError(dvp, "LegRestricted")
        .withArgs(Leg.Asset, Restriction.COUNTRY_NOT_ALLOWED);
      expect(await holdings(f)).to.deep.equal(before);
      for (const id of [...ids, toForeigner]) expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Ready));
    });

    it("reverts with EmptyBatch for no ids", async function () {
      const { dvp } = await loadFixture(readyFixture);
      await expect(dvp.settleBatch([])).to.be.revertedWithCustomError(dvp, "EmptyBatch");
    });

    it("reverts with EnforcedPause while paused", async function () {
      const f = await loadFixture(readyFixture);
      const { dvp, guardian, ids } = f;
      await dvp.connect(guardian).pause();
      const before = await holdings(f);
      await expect(dvp.settleBatch(ids)).to.be.revertedWithCustomError(dvp, "EnforcedPause");
      expect(await holdings(f)).to.deep.equal(before);
    });
  });

  describe("fee", function () {
    it("the admin sets the fee (FeeSet); fee() reads it back", async function () {
      const { dvp, timelockSigner, feeCollector } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(timelockSigner).setFee(feeCollector.address, 25))
        .to.emit(dvp, "FeeSet")
        .withArgs(feeCollector.address, 25);
      expect(await dvp.fee()).to.deep.equal([feeCollector.address, 25n]);
      // The maximum, 1000 basis points, is allowed.
      await dvp.connect(timelockSigner).setFee(feeCollector.address, 1000);
      expect(await dvp.fee()).to.deep.equal([feeCollector.address, 1000n]);
    });

    it("only the admin sets the fee (AccessControlUnauthorizedAccount)", async function () {
      const { dvp, guardian, feeCollector, outsider } = await loadFixture(deploySettlementFixture);
      for (const caller of [guardian, feeCollector, outsider]) {
        await expect(dvp.connect(caller).setFee(feeCollector.address, 25))
          .to.be.revertedWithCustomError(dvp, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await dvp.fee()).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("reverts with InvalidFee above MAX_FEE_BASIS_POINTS", async function () {
      const { dvp, timelockSigner, feeCollector } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(timelockSigner).setFee(feeCollector.address, 1001))
        .to.be.revertedWithCustomError(dvp, "InvalidFee")
        .withArgs(1001);
      await expect(dvp.connect(timelockSigner).setFee(feeCollector.address, 65535))
        .to.be.revertedWithCustomError(dvp, "InvalidFee")
        .withArgs(65535);
      expect(await dvp.fee()).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("reverts with ZeroAddress for a zero recipient with a non-zero fee; zero recipient with 0 bps is fine", async function () {
      const { dvp, timelockSigner, feeCollector } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(timelockSigner).setFee(ethers.ZeroAddress, 1)).to.be.revertedWithCustomError(
        dvp,
        "ZeroAddress",
      );
      await dvp.connect(timelockSigner).setFee(feeCollector.address, 50);
      await expect(dvp.connect(timelockSigner).setFee(ethers.ZeroAddress, 0))
        .to.emit(dvp, "FeeSet")
        .withArgs(ethers.ZeroAddress, 0);
      expect(await dvp.fee()).to.deep.equal([ethers.ZeroAddress, 0n]);
      expect(await dvp.feeFor(TRADE_CASH)).to.equal(0n);
    });

    it("the fee goes to the recipient, the seller gets cash - fee, the buyer pays exactly cash", async function () {
      const { dvp, cashToken, securityToken, timelockSigner, feeCollector, seller, buyer, dvpAddress, propose } =
        await loadFixture(deploySettlementFixture);
      await dvp.connect(timelockSigner).setFee(feeCollector.address, 100); // 1%
      const id = await propose(seller);
      const fee = TRADE_CASH / 100n; // 2,500 exactly
      expect(await dvp.feeFor(TRADE_CASH)).to.equal(fee);
      const tx = dvp.connect(buyer).affirm(id);
      await expect(tx).to.emit(dvp, "TradeSettled").withArgs(id, fee);
      await expect(tx).to.changeTokenBalances(
        cashToken,
        [buyer, seller, feeCollector, dvpAddress],
        [-TRADE_CASH, TRADE_CASH - fee, fee, 0n],
      );
      await expect(tx).to.changeTokenBalances(securityToken, [seller, buyer], [-TRADE_SHARES, TRADE_SHARES]);
    });

    it("rounds the fee up, in the recipient's favour: cash 999 at 25 bps gives a fee of 3 (2.4975)", async function () {
      const { dvp, cashToken, timelockSigner, feeCollector, seller, buyer, propose } =
        await loadFixture(deploySettlementFixture);
      await dvp.connect(timelockSigner).setFee(feeCollector.address, 25);
      expect(await dvp.feeFor(999n)).to.equal(3n);
      const id = await propose(buyer, { cashAmount: 999n });
      const tx = dvp.connect(seller).affirm(id);
      await expect(tx).to.emit(dvp, "TradeSettled").withArgs(id, 3n);
      await expect(tx).to.changeTokenBalances(cashToken, [buyer, seller, feeCollector], [-999n, 996n, 3n]);
    });

    it("feeFor agrees with ceil(cash * bps / 10000), so splitting a trade never pays less", async function () {
      const { dvp, timelockSigner, feeCollector } = await loadFixture(deploySettlementFixture);
      const amounts = [0n, 1n, 39n, 400n, 401n, 999n, 10_000n, 123_456_789n, UINT96_MAX];
      for (const bps of [0n, 1n, 25n, 333n, 1000n]) {
        await dvp.connect(timelockSigner).setFee(feeCollector.address, bps);
        for (const cash of amounts) {
          expect(await dvp.feeFor(cash)).to.equal((cash * bps + 9_999n) / 10_000n, `cash ${cash} at ${bps} bps`);
        }
      }
    });

    it("a zero fee makes no fee transfer (TradeSettled fee 0); any non-zero fee rate charges at least 1", async function () {
      const { dvp, cashToken, timelockSigner, outsider, seller, buyer, propose } =
        await loadFixture(deploySettlementFixture);
      // The recipient is not even verified: with a zero fee its leg is neither checked nor paid.
      await dvp.connect(timelockSigner).setFee(outsider.address, 0);
      const id = await propose(seller, { cashAmount: 399n });
      const tx = dvp.connect(buyer).affirm(id);
      await expect(tx).to.emit(dvp, "TradeSettled").withArgs(id, 0n);
      await expect(tx).to.changeTokenBalances(cashToken, [buyer, seller, outsider], [-399n, 399n, 0n]);
      await dvp.connect(timelockSigner).setFee(outsider.address, 1);
      expect(await dvp.feeFor(1n)).to.equal(1n);
    });

    it("an unverified fee recipient blocks the trade: LegRestricted(Fee, 5); nothing moves", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, timelockSigner, outsider, seller, buyer, propose } = f;
      await dvp.connect(timelockSigner).setFee(outsider.address, 25);
      const id = await propose(seller);
      const before = await holdings(f);
      await expect(dvp.connect(buyer).affirm(id))
        .to.be.revertedWithCustomError(dvp, "LegRestricted")
        .withArgs(Leg.Fee, Restriction.RECIPIENT_NOT_VERIFIED);
      expect(await holdings(f)).to.deep.equal(before);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Proposed));
    });

    it("cash and fee that each fit the buyer's balance but not together: the cash leg is named, nothing moves", async function () {
      const f = await loadFixture(deploySettlementFixture);
      const { dvp, cashToken, cashIssuer, timelockSigner, feeCollector, seller, buyer, propose } = f;
      await dvp.connect(timelockSigner).setFee(feeCollector.address, 100);
      // The buyer keeps 99.50: the seller's 99.00 fits, the 1.00 fee fits, both do not.
      await cashToken.connect(cashIssuer).burn(buyer.address, BUYER_CASH - 9_950n);
      const id = await propose(seller, { cashAmount: 10_000n });
      const before = await holdings(f);
      // The cash leg is checked for the whole cash amount, which the buyer cannot cover.
      await expect(dvp.connect(buyer).affirm(id))
        .to.be.revertedWithCustomError(dvp, "LegRestricted")
        .withArgs(Leg.Cash, Restriction.INSUFFICIENT_UNFROZEN_BALANCE);
      expect(await holdings(f)).to.deep.equal(before);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Proposed));
    });

    it("the fee in force at settlement applies to a deferred ticket settled by settleBatch", async function () {
      const { dvp, cashToken, timelockSigner, feeCollector, seller, buyer, ids } = await loadFixture(readyFixture);
      // The tickets were proposed and affirmed without a fee.
      await dvp.connect(timelockSigner).setFee(feeCollector.address, 1000);
      const tx = dvp.settleBatch(ids);
      await expect(tx)
        .to.emit(dvp, "TradeSettled")
        .withArgs(ids[0], 100n)
        .and.to.emit(dvp, "TradeSettled")
        .withArgs(ids[1], 200n)
        .and.to.emit(dvp, "TradeSettled")
        .withArgs(ids[2], 300n);
      await expect(tx).to.changeTokenBalances(cashToken, [buyer, seller, feeCollector], [-6_000n, 5_400n, 600n]);
    });
  });

  describe("reentrancy guard", function () {
    it("control: the reentering token, unarmed, settles like any plain ERC-20", async function () {
      const { dvp, evil, evilAddress, seller, buyer, propose } = await loadFixture(reentrancyFixture);
      const id = await propose(seller, { cash: evilAddress });
      await expect(dvp.connect(buyer).affirm(id)).to.changeTokenBalances(
        evil,
        [seller, buyer],
        [TRADE_CASH, -TRADE_CASH],
      );
    });

    it("a cash token calling back into affirm is stopped (ReentrancyGuardReentrantCall); nothing settles", async function () {
      const f = await loadFixture(reentrancyFixture);
      const { dvp, evil, evilAddress, seller, buyer, propose } = f;
      const id = await propose(seller, { cash: evilAddress });
      const other = await propose(seller, { cash: evilAddress });
      await evil.arm(f.dvpAddress, dvp.interface.encodeFunctionData("affirm", [other]));
      const before = await holdings(f);
      await expect(dvp.connect(buyer).affirm(id)).to.be.revertedWithCustomError(dvp, "ReentrancyGuardReentrantCall");
      expect(await holdings(f)).to.deep.equal(before);
      expect(await evil.balanceOf(buyer.address)).to.equal(BUYER_CASH);
      expect(await evil.reentered()).to.equal(false);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Proposed));
      expect((await dvp.ticketOf(other)).status).to.equal(BigInt(Status.Proposed));
    });

    it("a cash token calling back into settleBatch is stopped (ReentrancyGuardReentrantCall); nothing settles", async function () {
      const f = await loadFixture(reentrancyFixture);
      const { dvp, evil, evilAddress, seller, buyer, propose } = f;
      const first = await propose(seller, { cash: evilAddress, deferred: true });
      const second = await propose(seller, { cash: evilAddress, deferred: true });
      await dvp.connect(buyer).affirm(first);
      await dvp.connect(buyer).affirm(second);
      await evil.arm(f.dvpAddress, dvp.interface.encodeFunctionData("settleBatch", [[second]]));
      const before = await holdings(f);
      await expect(dvp.settleBatch([first])).to.be.revertedWithCustomError(dvp, "ReentrancyGuardReentrantCall");
      expect(await holdings(f)).to.deep.equal(before);
      expect(await evil.balanceOf(buyer.address)).to.equal(BUYER_CASH);
      expect(await evil.reentered()).to.equal(false);
      expect((await dvp.ticketOf(first)).status).to.equal(BigInt(Status.Ready));
      expect((await dvp.ticketOf(second)).status).to.equal(BigInt(Status.Ready));
    });

    it("a cash token calling back into settleBatch from affirm is stopped as well", async function () {
      const f = await loadFixture(reentrancyFixture);
      const { dvp, evil, evilAddress, seller, buyer, propose } = f;
      const ready = await propose(seller, { cash: evilAddress, deferred: true });
      await dvp.connect(buyer).affirm(ready);
      const id = await propose(seller, { cash: evilAddress });
      await evil.arm(f.dvpAddress, dvp.interface.encodeFunctionData("settleBatch", [[ready]]));
      await expect(dvp.connect(buyer).affirm(id)).to.be.revertedWithCustomError(dvp, "ReentrancyGuardReentrantCall");
      expect((await dvp.ticketOf(ready)).status).to.equal(BigInt(Status.Ready));
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Proposed));
      expect(await evil.reentered()).to.equal(false);
    });
  });

  describe("pause", function () {
    it("the guardian pauses (Paused); pausing twice reverts EnforcedPause", async function () {
      const { dvp, guardian } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(guardian).pause()).to.emit(dvp, "Paused").withArgs(guardian.address);
      expect(await dvp.paused()).to.equal(true);
      await expect(dvp.connect(guardian).pause()).to.be.revertedWithCustomError(dvp, "EnforcedPause");
    });

    it("only the admin unpauses (Unpaused); unpausing when not paused reverts ExpectedPause", async function () {
      const { dvp, guardian, timelockSigner } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(timelockSigner).unpause()).to.be.revertedWithCustomError(dvp, "ExpectedPause");
      await dvp.connect(guardian).pause();
      await expect(dvp.connect(guardian).unpause())
        .to.be.revertedWithCustomError(dvp, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, DEFAULT_ADMIN_ROLE);
      await expect(dvp.connect(timelockSigner).unpause())
        .to.emit(dvp, "Unpaused")
        .withArgs(await timelockSigner.getAddress());
      expect(await dvp.paused()).to.equal(false);
    });
  });

  describe("roles", function () {
    it("pause needs GUARDIAN_ROLE, even for the admin (AccessControlUnauthorizedAccount)", async function () {
      const { dvp, timelockSigner, outsider, agent } = await loadFixture(deploySettlementFixture);
      for (const caller of [outsider, agent, timelockSigner]) {
        await expect(dvp.connect(caller).pause())
          .to.be.revertedWithCustomError(dvp, "AccessControlUnauthorizedAccount")
          .withArgs(await caller.getAddress(), GUARDIAN_ROLE);
      }
      expect(await dvp.paused()).to.equal(false);
    });

    it("setFee, unpause, upgradeToAndCall, grantRole and revokeRole need DEFAULT_ADMIN_ROLE", async function () {
      const { dvp, guardian, outsider, feeCollector } = await loadFixture(deploySettlementFixture);
      await dvp.connect(guardian).pause();
      const newImplementation = await (await ethers.getContractFactory("DvPSettlementV2")).deploy();
      const implementationAddress = await newImplementation.getAddress();
      for (const caller of [outsider, guardian]) {
        const calls = [
          () => dvp.connect(caller).setFee(feeCollector.address, 10),
          () => dvp.connect(caller).unpause(),
          () => dvp.connect(caller).upgradeToAndCall(implementationAddress, "0x"),
          () => dvp.connect(caller).grantRole(GUARDIAN_ROLE, outsider.address),
          () => dvp.connect(caller).grantRole(DEFAULT_ADMIN_ROLE, caller.address),
          () => dvp.connect(caller).revokeRole(GUARDIAN_ROLE, guardian.address),
        ];
        for (const call of calls) {
          await expect(call())
            .to.be.revertedWithCustomError(dvp, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
        }
      }
      expect(await dvp.hasRole(GUARDIAN_ROLE, outsider.address)).to.equal(false);
      expect(await dvp.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(true);
      expect(await dvp.paused()).to.equal(true);
    });

    it("the admin grants GUARDIAN_ROLE and revokes it", async function () {
      const { dvp, timelockSigner, outsider } = await loadFixture(deploySettlementFixture);
      await expect(dvp.connect(timelockSigner).grantRole(GUARDIAN_ROLE, outsider.address))
        .to.emit(dvp, "RoleGranted")
        .withArgs(GUARDIAN_ROLE, outsider.address, await timelockSigner.getAddress());
      await expect(dvp.connect(outsider).pause()).to.emit(dvp, "Paused").withArgs(outsider.address);
      await dvp.connect(timelockSigner).unpause();
      await dvp.connect(timelockSigner).revokeRole(GUARDIAN_ROLE, outsider.address);
      await expect(dvp.connect(outsider).pause())
        .to.be.revertedWithCustomError(dvp, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, GUARDIAN_ROLE);
    });
  });

  describe("upgrades", function () {
    it("hardhat-upgrades validates the implementation and the V2 storage layout", async function () {
      const V1 = await ethers.getContractFactory("DvPSettlement");
      const V2 = await ethers.getContractFactory("DvPSettlementV2");
      // Each call throws on an unsafe implementation or an incompatible storage layout.
      await upgrades.validateImplementation(V1, { kind: "uups" });
      await upgrades.validateImplementation(V2, { kind: "uups" });
      await upgrades.validateUpgrade(V1, V2, { kind: "uups" });
      // Negative control: the validator rejects an unrelated layout.
      const Unrelated = await ethers.getContractFactory("SecurityToken");
      await expect(upgrades.validateUpgrade(V1, Unrelated, { kind: "uups" })).to.be.rejectedWith(
        /Deleted namespace `erc7201:consortium.storage.DvPSettlement`/,
      );
    });

    it("a non-admin cannot upgrade; the implementation stays", async function () {
      const { dvp, dvpAddress, guardian, outsider } = await loadFixture(deploySettlementFixture);
      const before = await upgrades.erc1967.getImplementationAddress(dvpAddress);
      const v2 = await (await ethers.getContractFactory("DvPSettlementV2")).deploy();
      for (const caller of [outsider, guardian]) {
        await expect(dvp.connect(caller).upgradeToAndCall(await v2.getAddress(), "0x"))
          .to.be.revertedWithCustomError(dvp, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await upgrades.erc1967.getImplementationAddress(dvpAddress)).to.equal(before);
    });

    it("the admin upgrades to V2 (Upgraded); tickets, fee and roles are kept", async function () {
      const { dvp, dvpAddress, timelockSigner, guardian, feeCollector, seller, buyer, identityRegistry, propose } =
        await loadFixture(deploySettlementFixture);
      await dvp.connect(timelockSigner).setFee(feeCollector.address, 30);
      const id = await propose(seller, { deferred: true });
      await dvp.connect(buyer).affirm(id);
      const ticketBefore = await dvp.ticketOf(id);

      const v2Implementation = await (await ethers.getContractFactory("DvPSettlementV2")).deploy();
      const v2Address = await v2Implementation.getAddress();
      await expect(dvp.connect(timelockSigner).upgradeToAndCall(v2Address, "0x"))
        .to.emit(dvp, "Upgraded")
        .withArgs(v2Address);
      expect(await upgrades.erc1967.getImplementationAddress(dvpAddress)).to.equal(v2Address);

      const v2 = (await ethers.getContractAt("DvPSettlementV2", dvpAddress)) as unknown as DvPSettlementV2;
      expect(await v2.version()).to.equal("2");
      expect(await v2.ticketOf(id)).to.deep.equal(ticketBefore);
      expect(await v2.ticketCount()).to.equal(1n);
      expect(await v2.fee()).to.deep.equal([feeCollector.address, 30n]);
      expect(await v2.identityRegistry()).to.equal(await identityRegistry.getAddress());
      expect(await v2.hasRole(DEFAULT_ADMIN_ROLE, await timelockSigner.getAddress())).to.equal(true);
      expect(await v2.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(true);
      // The Ready ticket still settles, with the fee.
      await expect(v2.settleBatch([id]))
        .to.emit(v2, "TradeSettled")
        .withArgs(id, (TRADE_CASH * 30n) / 10_000n);
      await expect(
        v2.initialize(await identityRegistry.getAddress(), seller.address, []),
      ).to.be.revertedWithCustomError(v2, "InvalidInitialization");
    });

    it("the implementation cannot be upgraded directly (UUPSUnauthorizedCallContext)", async function () {
      const { dvp, dvpAddress, timelockSigner } = await loadFixture(deploySettlementFixture);
      const implementation = dvp.attach(await upgrades.erc1967.getImplementationAddress(dvpAddress)) as DvPSettlement;
      const v2 = await (await ethers.getContractFactory("DvPSettlementV2")).deploy();
      await expect(
        implementation.connect(timelockSigner).upgradeToAndCall(await v2.getAddress(), "0x"),
      ).to.be.revertedWithCustomError(implementation, "UUPSUnauthorizedCallContext");
    });
  });

  describe("custom errors", function () {
    it("IDvPSettlement declares exactly the errors the settlement tests reach", async function () {
      const reached = [
        "ZeroAddress", // propose, initialize, setFee
        "ZeroAmount", // propose
        "AmountTooLarge", // propose
        "SameCounterparty", // propose
        "NotCounterparty", // propose, cancel
        "NotVerified", // propose
        "ExpiryInPast", // propose
        "UnknownTicket", // ticketOf, affirm, cancel, settleBatch
        "InvalidTicketStatus", // affirm, cancel, settleBatch
        "TicketExpired", // affirm, settleBatch
        "NotProposer", // cancel
        "NotAffirmingParty", // affirm
        "LegRestricted", // affirm, settleBatch (Asset, Cash, Fee)
        "InvalidFee", // setFee
        "EmptyBatch", // settleBatch
        "EnforcedPause", // propose, affirm, settleBatch, pause
        "ReentrancyGuardReentrantCall", // affirm, settleBatch (a re-entering cash token)
        "ExpectedPause", // unpause
        // Reached in DvPSettlement.orders.test.ts:
        "OrderExpired",
        "OrderIsCancelled",
        "OverFill",
        "WrongTaker",
        "InvalidSignature",
        "BelowMinimumFill",
        "NotMaker",
        "NonceNotIncreasing",
        "WrongSide",
        "OrdersDoNotCross",
        "OrdersMismatched",
        // Reached in DvPSettlement.netting.test.ts:
        "MixedCash",
      ];
      const iface = IDvPSettlement__factory.createInterface();
      const names: string[] = [];
      iface.forEachError((e) => names.push(e.name));
      expect([...names].sort()).to.deep.equal([...reached].sort());
    });
  });
});

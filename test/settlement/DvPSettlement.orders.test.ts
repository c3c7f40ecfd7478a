import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Country } from "../../scripts/lib/constants";
import { Leg, Side, Status, TRADE_CASH, TRADE_SHARES, deployOrdersFixture } from "../fixtures/settlement";
import type { OrderSignerWallet } from "../../typechain-types";

const PRICE = TRADE_CASH / TRADE_SHARES; // 2,500 cash units per share

describe("DvPSettlement signed orders", function () {
  describe("fill", function () {
    it("a taker buys a whole sell order: both legs move at the order's price (OrderFilled), filledOf records it", async function () {
      const { dvp, securityToken, cashToken, seller, buyer, order, sign, hashOf } =
        await loadFixture(deployOrdersFixture);
      const o = order();
      const tx = dvp.connect(buyer).fill(o, await sign(seller, o), TRADE_SHARES);
      await expect(tx)
        .to.emit(dvp, "OrderFilled")
        .withArgs(hashOf(o), seller.address, buyer.address, TRADE_SHARES, PRICE, 0n, 0n);
      await expect(tx).to.changeTokenBalances(securityToken, [seller, buyer], [-TRADE_SHARES, TRADE_SHARES]);
      await expect(tx).to.changeTokenBalances(cashToken, [seller, buyer], [TRADE_CASH, -TRADE_CASH]);
      expect(await dvp.filledOf(hashOf(o))).to.equal(TRADE_SHARES);
      expect(await dvp.orderHash(o)).to.equal(hashOf(o));
    });

    it("a taker sells into a buy order", async function () {
      const { dvp, securityToken, cashToken, seller, buyer, order, sign } = await loadFixture(deployOrdersFixture);
      const o = order({ maker: buyer.address, side: Side.Buy, quantity: 10n });
      const tx = dvp.connect(seller).fill(o, await sign(buyer, o), 10n);
      await expect(tx).to.changeTokenBalances(securityToken, [seller, buyer], [-10n, 10n]);
      await expect(tx).to.changeTokenBalances(cashToken, [seller, buyer], [10n * PRICE, -10n * PRICE]);
    });

    it("partial fills add up; one unit more reverts OverFill(hash, remaining, quantity)", async function () {
      const { dvp, seller, buyer, buyer2, order, sign, hashOf } = await loadFixture(deployOrdersFixture);
      const o = order();
      const sig = await sign(seller, o);
      await dvp.connect(buyer).fill(o, sig, 30n);
      await dvp.connect(buyer2).fill(o, sig, 60n);
      expect(await dvp.filledOf(hashOf(o))).to.equal(90n);
      await expect(dvp.connect(buyer).fill(o, sig, 11n))
        .to.be.revertedWithCustomError(dvp, "OverFill")
        .withArgs(hashOf(o), 10n, 11n);
      await dvp.connect(buyer).fill(o, sig, 10n);
      await expect(dvp.connect(buyer).fill(o, sig, 1n))
        .to.be.revertedWithCustomError(dvp, "OverFill")
        .withArgs(hashOf(o), 0n, 1n);
    });

    it("reverts ZeroAmount for a zero quantity or a zero price, ZeroAddress for a zero asset", async function () {
      const { dvp, seller, buyer, order, sign } = await loadFixture(deployOrdersFixture);
      const o = order();
      await expect(dvp.connect(buyer).fill(o, await sign(seller, o), 0n)).to.be.revertedWithCustomError(
        dvp,
        "ZeroAmount",
      );
      const free = order({ price: 0n });
      await expect(dvp.connect(buyer).fill(free, await sign(seller, free), 1n)).to.be.revertedWithCustomError(
        dvp,
        "ZeroAmount",
      );
      const noAsset = order({ asset: ethers.ZeroAddress });
      await expect(dvp.connect(buyer).fill(noAsset, await sign(seller, noAsset), 1n)).to.be.revertedWithCustomError(
        dvp,
        "ZeroAddress",
      );
    });

    it("reverts AmountTooLarge for an order quantity above uint128", async function () {
      const { dvp, seller, buyer, order, sign } = await loadFixture(deployOrdersFixture);
      const o = order({ quantity: 2n ** 128n });
      await expect(dvp.connect(buyer).fill(o, await sign(seller, o), 1n))
        .to.be.revertedWithCustomError(dvp, "AmountTooLarge")
        .withArgs(2n ** 128n);
    });

    it("reverts OrderExpired(hash, expiry) from the expiry on", async function () {
      const { dvp, seller, buyer, order, sign, hashOf } = await loadFixture(deployOrdersFixture);
      const o = order();
      await time.increaseTo(o.expiry);
      await expect(dvp.connect(buyer).fill(o, await sign(seller, o), 1n))
        .to.be.revertedWithCustomError(dvp, "OrderExpired")
        .withArgs(hashOf(o), o.expiry);
    });

    it("reverts InvalidSignature for another signer's signature or altered terms", async function () {
      const { dvp, seller, buyer, buyer2, order, sign, hashOf } = await loadFixture(deployOrdersFixture);
      const o = order();
      await expect(dvp.connect(buyer).fill(o, await sign(buyer2, o), 1n))
        .to.be.revertedWithCustomError(dvp, "InvalidSignature")
        .withArgs(hashOf(o), seller.address);
      const cheaper = { ...o, price: 1n };
      await expect(dvp.connect(buyer).fill(cheaper, await sign(seller, o), 1n))
        .to.be.revertedWithCustomError(dvp, "InvalidSignature")
        .withArgs(hashOf(cheaper), seller.address);
      await expect(dvp.connect(buyer).fill(o, "0x1234", 1n)).to.be.revertedWithCustomError(dvp, "InvalidSignature");
    });

    it("a named taker (RFQ): only that taker fills; anyone else reverts WrongTaker", async function () {
      const { dvp, seller, buyer, buyer2, order, sign, hashOf } = await loadFixture(deployOrdersFixture);
      const o = order({ taker: buyer2.address });
      const sig = await sign(seller, o);
      await expect(dvp.connect(buyer).fill(o, sig, 1n))
        .to.be.revertedWithCustomError(dvp, "WrongTaker")
        .withArgs(hashOf(o), buyer.address);
      await expect(dvp.connect(buyer2).fill(o, sig, 1n)).to.emit(dvp, "OrderFilled");
    });

    it("a fill below minFill reverts BelowMinimumFill, unless it takes all that remains", async function () {
      const { dvp, seller, buyer, order, sign, hashOf } = await loadFixture(deployOrdersFixture);
      const o = order({ minFill: 40n });
      const sig = await sign(seller, o);
      await expect(dvp.connect(buyer).fill(o, sig, 39n))
        .to.be.revertedWithCustomError(dvp, "BelowMinimumFill")
        .withArgs(hashOf(o), 40n, 39n);
      await dvp.connect(buyer).fill(o, sig, 70n);
      await expect(dvp.connect(buyer).fill(o, sig, 30n)).to.emit(dvp, "OrderFilled");
    });

    it("an unverified taker reverts NotVerified; the maker taking its own order reverts SameCounterparty", async function () {
      const { dvp, seller, outsider, order, sign } = await loadFixture(deployOrdersFixture);
      const o = order();
      const sig = await sign(seller, o);
      await expect(dvp.connect(outsider).fill(o, sig, 1n))
        .to.be.revertedWithCustomError(dvp, "NotVerified")
        .withArgs(outsider.address);
      await expect(dvp.connect(seller).fill(o, sig, 1n))
        .to.be.revertedWithCustomError(dvp, "SameCounterparty")
        .withArgs(seller.address);
    });

    it("a restricted leg reverts LegRestricted(leg, code); nothing moves and nothing is filled", async function () {
      const f = await loadFixture(deployOrdersFixture);
      const { dvp, securityToken, seller, foreigner, order, sign, hashOf } = f;
      await securityToken.connect(f.agent).setCountryRestriction(true);
      await securityToken.connect(f.agent).setCountryAllowed(Country.CN, true);
      const o = order();
      await expect(dvp.connect(foreigner).fill(o, await sign(seller, o), 1n))
        .to.be.revertedWithCustomError(dvp, "LegRestricted")
        .withArgs(Leg.Asset, 7);
      expect(await dvp.filledOf(hashOf(o))).to.equal(0n);
      expect(await securityToken.balanceOf(foreigner.address)).to.equal(0n);
    });

    it("reverts EnforcedPause while paused", async function () {
      const { dvp, guardian, seller, buyer, order, sign } = await loadFixture(deployOrdersFixture);
      const o = order();
      await dvp.connect(guardian).pause();
      await expect(dvp.connect(buyer).fill(o, await sign(seller, o), 1n)).to.be.revertedWithCustomError(
        dvp,
        "EnforcedPause",
      );
    });

    it("a deferred order's fill records a Ready ticket (TradeProposed) and moves nothing until the batch", async function () {
      const { dvp, securityToken, seller, buyer, order, sign, hashOf } = await loadFixture(deployOrdersFixture);
      const o = order({ deferred: true });
      const tx = dvp.connect(buyer).fill(o, await sign(seller, o), 10n);
      const id = (await dvp.ticketCount()) + 1n;
      await expect(tx)
        .to.emit(dvp, "TradeProposed")
        .withArgs(
          id,
          seller.address,
          buyer.address,
          o.asset,
          10n,
          o.cash,
          10n * PRICE,
          o.expiry,
          hashOf(o),
          true,
          seller.address,
        );
      await expect(tx)
        .to.emit(dvp, "OrderFilled")
        .withArgs(hashOf(o), seller.address, buyer.address, 10n, PRICE, 0n, id);
      await expect(tx).to.changeTokenBalances(securityToken, [seller, buyer], [0n, 0n]);
      expect((await dvp.ticketOf(id)).status).to.equal(BigInt(Status.Ready));
      await expect(dvp.settleNetted([id])).to.changeTokenBalances(securityToken, [seller, buyer], [-10n, 10n]);
    });

    it("a deferred fill too large for a ticket reverts AmountTooLarge", async function () {
      const { dvp, seller, buyer, order, sign } = await loadFixture(deployOrdersFixture);
      const o = order({ deferred: true, price: 2n ** 96n });
      await expect(dvp.connect(buyer).fill(o, await sign(seller, o), 1n))
        .to.be.revertedWithCustomError(dvp, "AmountTooLarge")
        .withArgs(2n ** 96n);
    });
  });

  describe("ERC-1271 contract signers", function () {
    async function walletFixture() {
      const f = await deployOrdersFixture();
      const [owner] = f.rest;
      const wallet = (await (
        await ethers.getContractFactory("OrderSignerWallet")
      ).deploy(owner.address)) as unknown as OrderSignerWallet;
      const walletAddress = await wallet.getAddress();
      await f.register(walletAddress, "WALLET");
      await f.securityToken.connect(f.agent).mint(walletAddress, 50n);
      await wallet.connect(owner).approve(f.assetAddress, f.dvpAddress, ethers.MaxUint256);
      return { ...f, owner, wallet, walletAddress };
    }

    it("a contract wallet's order, signed by its owner, is filled", async function () {
      const { dvp, securityToken, buyer, owner, walletAddress, order, sign } = await loadFixture(walletFixture);
      const o = order({ maker: walletAddress, quantity: 50n });
      await expect(dvp.connect(buyer).fill(o, await sign(owner, o), 50n)).to.changeTokenBalances(
        securityToken,
        [walletAddress, buyer.address],
        [-50n, 50n],
      );
    });

    it("a signature the wallet refuses reverts InvalidSignature", async function () {
      const { dvp, buyer, buyer2, walletAddress, order, sign, hashOf } = await loadFixture(walletFixture);
      const o = order({ maker: walletAddress, quantity: 50n });
      await expect(dvp.connect(buyer).fill(o, await sign(buyer2, o), 50n))
        .to.be.revertedWithCustomError(dvp, "InvalidSignature")
        .withArgs(hashOf(o), walletAddress);
    });

    it("only the wallet's owner approves (NotOwner)", async function () {
      const { wallet, buyer, assetAddress, dvpAddress } = await loadFixture(walletFixture);
      await expect(wallet.connect(buyer).approve(assetAddress, dvpAddress, 1n))
        .to.be.revertedWithCustomError(wallet, "NotOwner")
        .withArgs(buyer.address);
    });
  });

  describe("cancel orders", function () {
    it("the maker cancels one order (OrderCancelled); it can no longer fill; twice reverts OrderIsCancelled", async function () {
      const { dvp, seller, buyer, order, sign, hashOf } = await loadFixture(deployOrdersFixture);
      const o = order();
      const sig = await sign(seller, o);
      await dvp.connect(buyer).fill(o, sig, 10n);
      await expect(dvp.connect(seller).cancelOrder(o))
        .to.emit(dvp, "OrderCancelled")
        .withArgs(hashOf(o), seller.address);
      expect(await dvp.isOrderCancelled(hashOf(o))).to.equal(true);
      await expect(dvp.connect(buyer).fill(o, sig, 1n))
        .to.be.revertedWithCustomError(dvp, "OrderIsCancelled")
        .withArgs(hashOf(o));
      await expect(dvp.connect(seller).cancelOrder(o))
        .to.be.revertedWithCustomError(dvp, "OrderIsCancelled")
        .withArgs(hashOf(o));
    });

    it("only the maker cancels an order (NotMaker)", async function () {
      const { dvp, buyer, order, hashOf } = await loadFixture(deployOrdersFixture);
      const o = order();
      await expect(dvp.connect(buyer).cancelOrder(o))
        .to.be.revertedWithCustomError(dvp, "NotMaker")
        .withArgs(hashOf(o), buyer.address);
    });

    it("cancelUpTo(n) cancels every order with nonce <= n in one transaction; higher nonces still fill", async function () {
      const { dvp, seller, buyer, order, sign, hashOf } = await loadFixture(deployOrdersFixture);
      const low = order({ nonce: 3n });
      const high = order({ nonce: 4n });
      await expect(dvp.connect(seller).cancelUpTo(3n)).to.emit(dvp, "NoncesCancelled").withArgs(seller.address, 4n);
      expect(await dvp.minNonceOf(seller.address)).to.equal(4n);
      await expect(dvp.connect(buyer).fill(low, await sign(seller, low), 1n))
        .to.be.revertedWithCustomError(dvp, "OrderIsCancelled")
        .withArgs(hashOf(low));
      await expect(dvp.connect(buyer).fill(high, await sign(seller, high), 1n)).to.emit(dvp, "OrderFilled");
    });

    it("cancelUpTo below the current floor, or at the uint256 maximum, reverts NonceNotIncreasing", async function () {
      const { dvp, seller } = await loadFixture(deployOrdersFixture);
      await dvp.connect(seller).cancelUpTo(5n);
      await expect(dvp.connect(seller).cancelUpTo(5n))
        .to.be.revertedWithCustomError(dvp, "NonceNotIncreasing")
        .withArgs(6n, 5n);
      await expect(dvp.connect(seller).cancelUpTo(ethers.MaxUint256))
        .to.be.revertedWithCustomError(dvp, "NonceNotIncreasing")
        .withArgs(6n, ethers.MaxUint256);
    });
  });

  describe("matchOrders", function () {
    it("crosses a buy and a sell at the resting order's price (OrdersMatched); both legs move", async function () {
      const { dvp, securityToken, cashToken, operator, seller, buyer, order, sign, hashOf } =
        await loadFixture(deployOrdersFixture);
      const sell = order({ price: 2_400n });
      const buy = order({ maker: buyer.address, side: Side.Buy, price: 2_600n, quantity: 60n });
      const sellSig = await sign(seller, sell);
      const buySig = await sign(buyer, buy);
      // The sell rested first: the trade prints at 2,400.
      const tx = dvp.connect(operator).matchOrders(buy, buySig, sell, sellSig, 40n, Side.Sell);
      await expect(tx)
        .to.emit(dvp, "OrdersMatched")
        .withArgs(hashOf(buy), hashOf(sell), operator.address, 40n, 2_400n, 0n, 0n);
      await expect(tx).to.changeTokenBalances(securityToken, [seller, buyer], [-40n, 40n]);
      await expect(tx).to.changeTokenBalances(cashToken, [seller, buyer], [40n * 2_400n, -40n * 2_400n]);
      // The buy rested: the trade prints at 2,600.
      const tx2 = dvp.connect(operator).matchOrders(buy, buySig, sell, sellSig, 20n, Side.Buy);
      await expect(tx2).to.changeTokenBalances(cashToken, [seller, buyer], [20n * 2_600n, -20n * 2_600n]);
      expect(await dvp.filledOf(hashOf(buy))).to.equal(60n);
      expect(await dvp.filledOf(hashOf(sell))).to.equal(60n);
      await expect(dvp.connect(operator).matchOrders(buy, buySig, sell, sellSig, 1n, Side.Buy))
        .to.be.revertedWithCustomError(dvp, "OverFill")
        .withArgs(hashOf(buy), 0n, 1n);
    });

    it("needs VENUE_OPERATOR_ROLE (AccessControlUnauthorizedAccount)", async function () {
      const { dvp, buyer, seller, order, sign } = await loadFixture(deployOrdersFixture);
      const sell = order();
      const buy = order({ maker: buyer.address, side: Side.Buy });
      await expect(
        dvp.connect(buyer).matchOrders(buy, await sign(buyer, buy), sell, await sign(seller, sell), 1n, Side.Sell),
      )
        .to.be.revertedWithCustomError(dvp, "AccessControlUnauthorizedAccount")
        .withArgs(buyer.address, await dvp.VENUE_OPERATOR_ROLE());
    });

    it("rejects wrong sides, different pairs, prices that do not cross and a maker trading with itself", async function () {
      const { dvp, operator, seller, buyer, order, sign, hashOf, foreigner } = await loadFixture(deployOrdersFixture);
      const sell = order({ price: 2_500n });
      const buy = order({ maker: buyer.address, side: Side.Buy, price: 2_500n });
      const [sellSig, buySig] = [await sign(seller, sell), await sign(buyer, buy)];
      await expect(dvp.connect(operator).matchOrders(sell, sellSig, sell, sellSig, 1n, Side.Sell))
        .to.be.revertedWithCustomError(dvp, "WrongSide")
        .withArgs(hashOf(sell));
      await expect(dvp.connect(operator).matchOrders(buy, buySig, buy, buySig, 1n, Side.Sell))
        .to.be.revertedWithCustomError(dvp, "WrongSide")
        .withArgs(hashOf(buy));
      const otherCash = order({ maker: buyer.address, side: Side.Buy, cash: foreigner.address });
      await expect(dvp.connect(operator).matchOrders(otherCash, buySig, sell, sellSig, 1n, Side.Sell))
        .to.be.revertedWithCustomError(dvp, "OrdersMismatched")
        .withArgs(hashOf(otherCash), hashOf(sell));
      const low = order({ maker: buyer.address, side: Side.Buy, price: 2_499n });
      await expect(dvp.connect(operator).matchOrders(low, await sign(buyer, low), sell, sellSig, 1n, Side.Sell))
        .to.be.revertedWithCustomError(dvp, "OrdersDoNotCross")
        .withArgs(2_499n, 2_500n);
      const own = order({ side: Side.Buy });
      await expect(dvp.connect(operator).matchOrders(own, await sign(seller, own), sell, sellSig, 1n, Side.Sell))
        .to.be.revertedWithCustomError(dvp, "SameCounterparty")
        .withArgs(seller.address);
    });

    it("a firm quote for one counterparty only matches that counterparty's order (WrongTaker)", async function () {
      const { dvp, operator, seller, buyer, buyer2, order, sign, hashOf } = await loadFixture(deployOrdersFixture);
      const sell = order({ taker: buyer2.address });
      const buy = order({ maker: buyer.address, side: Side.Buy, taker: seller.address });
      const sellSig = await sign(seller, sell);
      await expect(dvp.connect(operator).matchOrders(buy, await sign(buyer, buy), sell, sellSig, 1n, Side.Sell))
        .to.be.revertedWithCustomError(dvp, "WrongTaker")
        .withArgs(hashOf(sell), buyer.address);
      const wrongBuy = order({ maker: buyer.address, side: Side.Buy, taker: buyer2.address });
      await expect(
        dvp.connect(operator).matchOrders(wrongBuy, await sign(buyer, wrongBuy), order(), sellSig, 1n, Side.Sell),
      )
        .to.be.revertedWithCustomError(dvp, "WrongTaker")
        .withArgs(hashOf(wrongBuy), seller.address);
      const buy2 = order({ maker: buyer2.address, side: Side.Buy });
      await expect(
        dvp.connect(operator).matchOrders(buy2, await sign(buyer2, buy2), sell, sellSig, 1n, Side.Sell),
      ).to.emit(dvp, "OrdersMatched");
    });

    it("a deferred order makes the match a Ready ticket proposed by the resting maker", async function () {
      const { dvp, operator, seller, buyer, order, sign } = await loadFixture(deployOrdersFixture);
      const sell = order({ deferred: true });
      const buy = order({ maker: buyer.address, side: Side.Buy, expiry: sell.expiry - 10n });
      await dvp
        .connect(operator)
        .matchOrders(buy, await sign(buyer, buy), sell, await sign(seller, sell), 5n, Side.Buy);
      const ticket = await dvp.ticketOf(await dvp.ticketCount());
      expect(ticket.status).to.equal(BigInt(Status.Ready));
      expect(ticket.proposer).to.equal(buyer.address);
      expect(ticket.expiry).to.equal(buy.expiry);
      expect(ticket.cashAmount).to.equal(5n * PRICE);
    });

    it("reverts EnforcedPause while paused", async function () {
      const { dvp, guardian, operator, seller, buyer, order, sign } = await loadFixture(deployOrdersFixture);
      const sell = order();
      const buy = order({ maker: buyer.address, side: Side.Buy });
      await dvp.connect(guardian).pause();
      await expect(
        dvp.connect(operator).matchOrders(buy, await sign(buyer, buy), sell, await sign(seller, sell), 1n, Side.Sell),
      ).to.be.revertedWithCustomError(dvp, "EnforcedPause");
    });
  });

  describe("fees on fills", function () {
    it("the fee, rounded up, comes out of the seller's proceeds; splitting a fill never pays less", async function () {
      const { dvp, cashToken, timelockSigner, feeCollector, seller, buyer, order, sign, hashOf } =
        await loadFixture(deployOrdersFixture);
      await dvp.connect(timelockSigner).setFee(feeCollector.address, 3); // 3 bps
      const o = order({ price: 333n });
      const sig = await sign(seller, o);
      const whole = await dvp.feeFor(100n * 333n); // ceil(33300 * 3 / 10000) = 10
      expect(whole).to.equal(10n);
      const tx = dvp.connect(buyer).fill(o, sig, 1n); // ceil(333 * 3 / 10000) = 1
      await expect(tx).to.emit(dvp, "OrderFilled").withArgs(hashOf(o), seller.address, buyer.address, 1n, 333n, 1n, 0n);
      await expect(tx).to.changeTokenBalances(cashToken, [buyer, seller, feeCollector], [-333n, 332n, 1n]);
      let fees = 1n;
      for (let i = 0; i < 99; i++) fees += await dvp.feeFor(333n);
      expect(fees).to.be.gte(whole);
    });
  });
});

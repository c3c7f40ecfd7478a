import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { type Order, Side, deployOrdersFixture } from "../fixtures/settlement";

/**
 * Property test of signed orders and netting: random orders among four participants, then random
 * fills, venue matches and cancels. A model predicts whether each step succeeds; after every step:
 * no order has filled beyond its quantity, every trade moved both legs (asset q, cash q * price)
 * or nothing at all, at a price within each maker's limit. At the end the deferred trades' Ready
 * tickets are settled once gross and once netted from the same state: the final balances agree.
 *
 * Reproducible: fixed seed; FC_SEED / FC_RUNS / FC_STEPS override it to explore further.
 */
const SEED = Number(process.env.FC_SEED ?? 20261130);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 15);
const MAX_STEPS = Number(process.env.FC_STEPS ?? 14);

const orderArb = fc.record({
  maker: fc.integer({ min: 0, max: 3 }),
  sell: fc.boolean(),
  quantity: fc.integer({ min: 1, max: 40 }),
  price: fc.integer({ min: 1, max: 90 }),
  minFill: fc.integer({ min: 0, max: 12 }),
  deferred: fc.boolean(),
});

const stepArb = fc.oneof(
  fc.record({
    kind: fc.constant("fill" as const),
    order: fc.nat(5),
    taker: fc.integer({ min: 0, max: 3 }),
    quantity: fc.integer({ min: 0, max: 45 }),
  }),
  fc.record({
    kind: fc.constant("match" as const),
    a: fc.nat(5),
    b: fc.nat(5),
    quantity: fc.integer({ min: 1, max: 45 }),
    buyRests: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("cancel" as const), order: fc.nat(5) }),
);

async function propertyFixture() {
  const f = await deployOrdersFixture();
  const people = [f.seller, f.buyer, f.seller2, f.buyer2];
  for (const p of people) {
    await f.securityToken.connect(f.agent).mint(p.address, 10_000n);
    await f.cashToken.connect(f.cashIssuer).mint(p.address, 10_000_000n);
  }
  await f.dvp.connect(f.timelockSigner).setFee(f.feeCollector.address, 7);
  return { ...f, people };
}

describe("DvPSettlement orders: property test", function () {
  it("no over-fill, no fill beyond the limit price, no one-legged move; net settlement == gross", async function () {
    this.timeout(0);
    await fc.assert(
      fc.asyncProperty(
        fc.array(orderArb, { minLength: 6, maxLength: 6 }),
        fc.array(stepArb, { minLength: 1, maxLength: MAX_STEPS }),
        async (specs, steps) => {
          const f = await loadFixture(propertyFixture);
          const { dvp, securityToken, cashToken, people, operator } = f;
          const orders: Order[] = specs.map((s) =>
            f.order({
              maker: people[s.maker].address,
              side: s.sell ? Side.Sell : Side.Buy,
              quantity: BigInt(s.quantity),
              price: BigInt(s.price),
              minFill: BigInt(s.minFill),
              deferred: s.deferred,
            }),
          );
          const signers: HardhatEthersSigner[] = specs.map((s) => people[s.maker]);
          const sigs = await Promise.all(orders.map((o, i) => f.sign(signers[i], o)));
          const hashes = orders.map((o) => f.hashOf(o));
          const filled = orders.map(() => 0n);
          const cancelled = orders.map(() => false);
          const wallets = [...people.map((p) => p.address), f.feeCollector.address];
          const balances = async () =>
            Promise.all(wallets.map(async (w) => [await securityToken.balanceOf(w), await cashToken.balanceOf(w)]));

          const fillable = (i: number, q: bigint) => {
            const remaining = orders[i].quantity - filled[i];
            return q > 0n && !cancelled[i] && q <= remaining && (q >= orders[i].minFill || q === remaining);
          };

          for (const step of steps) {
            const before = await balances();
            let expectOk: boolean;
            let trade: { seller: string; buyer: string; q: bigint; price: bigint; deferred: boolean } | undefined;
            let tx: Promise<unknown>;
            if (step.kind === "fill") {
              const o = orders[step.order];
              const taker = people[step.taker];
              const q = BigInt(step.quantity);
              expectOk = fillable(step.order, q) && taker.address !== o.maker;
              const sellerIsMaker = o.side === Side.Sell;
              trade = {
                seller: sellerIsMaker ? o.maker : taker.address,
                buyer: sellerIsMaker ? taker.address : o.maker,
                q,
                price: o.price,
                deferred: o.deferred,
              };
              tx = dvp.connect(taker).fill(o, sigs[step.order], q);
              if (expectOk) filled[step.order] += q;
            } else if (step.kind === "match") {
              const [b, s] = orders[step.a].side === Side.Buy ? [step.a, step.b] : [step.b, step.a];
              const buy = orders[b];
              const sell = orders[s];
              const q = BigInt(step.quantity);
              expectOk =
                b !== s &&
                buy.side === Side.Buy &&
                sell.side === Side.Sell &&
                buy.maker !== sell.maker &&
                buy.price >= sell.price &&
                fillable(b, q) &&
                fillable(s, q);
              const price = step.buyRests ? buy.price : sell.price;
              trade = { seller: sell.maker, buyer: buy.maker, q, price, deferred: buy.deferred || sell.deferred };
              tx = dvp
                .connect(operator)
                .matchOrders(buy, sigs[b], sell, sigs[s], q, step.buyRests ? Side.Buy : Side.Sell);
              if (expectOk) {
                filled[b] += q;
                filled[s] += q;
                // The print is within both limits.
                expect(price <= buy.price && price >= sell.price).to.equal(true);
              }
            } else {
              const o = orders[step.order];
              expectOk = !cancelled[step.order];
              tx = dvp.connect(signers[step.order]).cancelOrder(o);
              if (expectOk) cancelled[step.order] = true;
            }
            if (expectOk) await expect(tx).to.not.be.reverted;
            else await expect(tx).to.be.reverted;

            const after = await balances();
            const delta = (w: string, k: 0 | 1) => after[wallets.indexOf(w)][k] - before[wallets.indexOf(w)][k];
            if (expectOk && trade && !trade.deferred) {
              // Both legs, exactly: the asset q seller -> buyer, the cash q * price buyer -> seller (+fee).
              const cash = trade.q * trade.price;
              const fee = await dvp.feeFor(cash);
              expect(delta(trade.seller, 0)).to.equal(-trade.q);
              expect(delta(trade.buyer, 0)).to.equal(trade.q);
              expect(delta(trade.buyer, 1)).to.equal(-cash);
              expect(delta(trade.seller, 1)).to.equal(cash - fee);
              expect(delta(f.feeCollector.address, 1)).to.equal(fee);
            } else {
              expect(after).to.deep.equal(before); // nothing moved: no one-legged move
            }
            for (let i = 0; i < orders.length; i++) {
              const chainFilled = await dvp.filledOf(hashes[i]);
              expect(chainFilled).to.equal(filled[i]);
              expect(chainFilled <= orders[i].quantity).to.equal(true);
            }
          }

          // Deferred trades: gross and netted settlement end in the same balances.
          const ids: bigint[] = [];
          const count = await dvp.ticketCount();
          for (let id = 1n; id <= count; id++) if ((await dvp.ticketOf(id)).status === 2n) ids.push(id);
          if (ids.length === 0) return;
          const snapshot = await takeSnapshot();
          await dvp.settleBatch(ids);
          const gross = await balances();
          await snapshot.restore();
          await dvp.settleNetted(ids);
          expect(await balances()).to.deep.equal(gross);
        },
      ),
      { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true },
    );
  });
});

import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Attr, Country } from "../../scripts/lib/constants";
import { NOTICE_HASH, NOTICE_URI, deployActionsFixture } from "../fixtures/actions";
import { entity } from "../fixtures/token";

/**
 * Property test of record-time entitlements: random transfers, mints, burns, forced transfers and
 * recoveries around three record times (each the record time of a distribution: two pro rata, one
 * per unit), with a model of the balances kept by the test. Afterwards every holder's entitlement
 * equals its model balance at the record time (pro rata: times funded / supply then, rounded
 * down), the cash reaches the holder or the wallet it was recovered to, and for each distribution
 * paid + reclaimed == funded, leaving no cash in escrow.
 *
 * Reproducible: fixed seed; FC_SEED / FC_RUNS / FC_STEPS override it to explore further.
 */
const SEED = Number(process.env.FC_SEED ?? 20261130);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 12);
const MAX_STEPS = Number(process.env.FC_STEPS ?? 30);

const WALLETS = ["alice", "alice2", "alice3", "bob", "carol"] as const;
type Wallet = (typeof WALLETS)[number];
const ALICE_WALLETS: Wallet[] = ["alice", "alice2", "alice3"];
const GAP = 1_000;

type Op =
  | { kind: "transfer"; from: Wallet; to: Wallet; share: number }
  | { kind: "mint"; to: Wallet; amount: number }
  | { kind: "burn"; from: Wallet; share: number }
  | { kind: "forced"; from: Wallet; to: Wallet; share: number }
  | { kind: "recover"; from: Wallet }
  | { kind: "advance" };

const wallet = fc.constantFrom(...WALLETS);
const share = fc.integer({ min: 0, max: 100 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("transfer" as const), from: wallet, to: wallet, share }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("mint" as const), to: wallet, amount: fc.integer({ min: 1, max: 90 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("burn" as const), from: wallet, share }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("forced" as const), from: wallet, to: wallet, share }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("recover" as const), from: fc.constantFrom(...ALICE_WALLETS) }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "advance" as const }) },
);

/** The actions fixture with a third ALICE wallet and three distributions announced, GAP seconds apart. */
async function propertyFixture() {
  const f = await deployActionsFixture();
  const alice3 = f.others[5];
  await f.registry
    .connect(f.registrar)
    .registerIdentity(alice3.address, entity("ALICE"), Country.CN, f.expiry, Attr.INVESTOR);
  const start = await time.latest();
  const recordTimes = [1, 2, 3].map((k) => start + k * GAP);
  const paymentStart = start + 5 * GAP;
  const claimDeadline = start + 6 * GAP;
  const plans = [
    { amountPerUnit: 0n, amount: 99_991n },
    { amountPerUnit: 7n, amount: 7n * 100_000n },
    { amountPerUnit: 0n, amount: 1_234n },
  ];
  for (let i = 0; i < 3; ++i) {
    await f.actions.connect(f.payer).announce({
      asset: await f.token.getAddress(),
      cashToken: await f.cash.getAddress(),
      ...plans[i],
      recordTime: recordTimes[i],
      paymentStart,
      claimDeadline,
      noticeUri: NOTICE_URI,
      noticeHash: NOTICE_HASH,
    });
  }
  const signers: Record<Wallet, HardhatEthersSigner> = {
    alice: f.alice,
    alice2: f.alice2,
    alice3,
    bob: f.bob,
    carol: f.carol,
  };
  return { ...f, signers, recordTimes, paymentStart, claimDeadline, plans };
}

describe("CorporateActions (property): entitlements equal record-time balances; paid + reclaimed == funded", function () {
  it("holds over random transfers, mints, burns, forced transfers and recoveries around three record times", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: MAX_STEPS }), async (ops) => {
        const f = await loadFixture(propertyFixture);
        const { token, actions, cash, agent, payer, signers } = f;
        const balance: Record<Wallet, number> = { alice: 100, alice2: 0, alice3: 0, bob: 50, carol: 0 };
        const recoveredTo: Partial<Record<Wallet, Wallet>> = {};
        const snapshots: Record<Wallet, number>[] = [];
        const take = (from: Wallet, n: number) => Math.floor((balance[from] * n) / 100);
        for (const op of ops) {
          switch (op.kind) {
            case "transfer": {
              const amount = take(op.from, op.share);
              await token.connect(signers[op.from]).transfer(signers[op.to].address, amount);
              balance[op.from] -= amount;
              balance[op.to] += amount;
              break;
            }
            case "mint":
              await token.connect(agent).mint(signers[op.to].address, op.amount);
              balance[op.to] += op.amount;
              break;
            case "burn": {
              const amount = take(op.from, op.share);
              await token.connect(agent).burn(signers[op.from].address, amount);
              balance[op.from] -= amount;
              break;
            }
            case "forced": {
              if (op.from === op.to) break;
              const amount = take(op.from, op.share);
              await token.connect(agent).forcedTransfer(signers[op.from].address, signers[op.to].address, amount);
              balance[op.from] -= amount;
              balance[op.to] += amount;
              break;
            }
            case "recover": {
              const target = ALICE_WALLETS.find((w) => w !== op.from && balance[w] === 0);
              if (balance[op.from] === 0 || target === undefined) break;
              await token
                .connect(agent)
                .recoveryAddress(signers[op.from].address, signers[target].address, ethers.ZeroAddress);
              balance[target] = balance[op.from];
              balance[op.from] = 0;
              recoveredTo[op.from] = target;
              delete recoveredTo[target];
              break;
            }
            case "advance": {
              const k = snapshots.length;
              if (k === f.recordTimes.length) break;
              snapshots.push({ ...balance });
              await time.increaseTo(f.recordTimes[k] + 1);
              break;
            }
          }
        }
        while (snapshots.length < f.recordTimes.length) snapshots.push({ ...balance });
        await time.increaseTo(f.paymentStart);

        const payee = (w: Wallet): Wallet => {
          let current = w;
          while (recoveredTo[current] !== undefined) current = recoveredTo[current]!;
          return current;
        };
        const cashBefore = await Promise.all(WALLETS.map((w) => cash.balanceOf(signers[w].address)));
        const expectedCash: Record<Wallet, bigint> = { alice: 0n, alice2: 0n, alice3: 0n, bob: 0n, carol: 0n };
        const owed: bigint[] = [];
        for (let d = 0; d < 3; ++d) {
          const id = d + 1;
          const snapshot = snapshots[d];
          const supply = BigInt(WALLETS.reduce((sum, w) => sum + snapshot[w], 0));
          expect(await token.totalSupplyAtRecord(f.recordTimes[d])).to.equal(supply);
          let total = 0n;
          const batch: string[] = [];
          for (const [i, w] of WALLETS.entries()) {
            const units = BigInt(snapshot[w]);
            expect(await token.balanceAtRecord(signers[w].address, f.recordTimes[d])).to.equal(units);
            const plan = f.plans[d];
            const due =
              plan.amountPerUnit !== 0n
                ? units * plan.amountPerUnit
                : supply === 0n
                  ? 0n
                  : (units * plan.amount) / supply;
            expect(await actions.entitlementOf(id, signers[w].address)).to.equal(due);
            if (due === 0n) continue;
            total += due;
            expectedCash[payee(w)] += due;
            // Half claim themselves (through the payee), half are paid by the agent.
            if (i % 2 === 0) await actions.connect(signers[payee(w)]).claim(id, signers[w].address);
            else batch.push(signers[w].address);
          }
          if (batch.length > 0) await actions.connect(payer).payBatch(id, batch);
          expect((await actions.distribution(id)).paid).to.equal(total);
          owed.push(total);
        }
        for (const [i, w] of WALLETS.entries()) {
          expect((await cash.balanceOf(signers[w].address)) - cashBefore[i]).to.equal(expectedCash[w]);
        }
        await time.increaseTo(f.claimDeadline + 1);
        for (let d = 0; d < 3; ++d) {
          const before = await cash.balanceOf(payer.address);
          await actions.connect(payer).reclaim(d + 1, payer.address);
          const reclaimed = (await cash.balanceOf(payer.address)) - before;
          const dist = await actions.distribution(d + 1);
          expect(dist.paid + reclaimed).to.equal(dist.funded);
          expect(dist.paid).to.equal(owed[d]);
        }
        expect(await cash.balanceOf(await actions.getAddress())).to.equal(0);
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
  });
});

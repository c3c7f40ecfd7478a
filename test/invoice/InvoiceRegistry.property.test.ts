import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import { Attr } from "../../scripts/lib/constants";
import type { InvoiceRegistry } from "../../typechain-types";
import {
  HOLDER_ATTRIBUTES,
  ONE_DAY,
  Status,
  childIdOf,
  childIdsOf,
  deployInvoiceFixture,
  entity,
  invoiceHash,
} from "../fixtures/invoice";

/**
 * Model-based property test of InvoiceRegistry: random sequences of issue / accept / reject /
 * cancel / offer / cancelOffer / finance / split / pay / transfer / markDefaulted / time advance
 * over two suppliers, three debtors (one a wallet of a supplier's entity), two financiers and an
 * outsider. A model predicts each step's outcome (and its custom error); after every step the
 * chain must agree with the model and the invariants below must hold. A split's pieces get ids
 * that depend on the split's block; "squatting" issues register, in advance, the id a piece of an
 * existing invoice would get in another block, and must never block that invoice's split.
 *
 * Reproducible: fixed seed; FC_SEED / FC_RUNS / FC_STEPS override it to explore further.
 */
const SEED = Number(process.env.FC_SEED ?? 20260611);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 25);
const MAX_STEPS = Number(process.env.FC_STEPS ?? 20);
/** Explicit gas: a transaction is mined (reverted or not) at the timestamp the model chose. */
const MINED = { gasLimit: 3_000_000 };

// ------------------------------------------------------------------ the model

const ACTORS = [
  "supplier",
  "supplier2",
  "supplierDebtor",
  "debtor",
  "debtor2",
  "financier",
  "financier2",
  "outsider",
] as const;
type Actor = (typeof ACTORS)[number];
/** Registered attributes and entities (mirrors deployInvoiceFixture); the outsider is never registered. */
const ATTRIBUTES: Record<Actor, number> = {
  supplier: Attr.SUPPLIER,
  supplier2: Attr.SUPPLIER,
  supplierDebtor: Attr.DEBTOR,
  debtor: Attr.DEBTOR,
  debtor2: Attr.DEBTOR,
  financier: Attr.FINANCIER,
  financier2: Attr.FINANCIER,
  outsider: 0,
};
const ENTITY: Record<Actor, string | null> = {
  supplier: "SUPPLIER_A",
  supplier2: "SUPPLIER_B",
  supplierDebtor: "SUPPLIER_A",
  debtor: "BUYER_A",
  debtor2: "BUYER_B",
  financier: "BANK_A",
  financier2: "BANK_B",
  outsider: null,
};

type Stored = "Issued" | "Accepted" | "Rejected" | "Cancelled" | "Paid" | "Defaulted" | "Split";

interface Invoice {
  id: bigint;
  supplier: Actor;
  debtor: Actor;
  face: bigint;
  paid: bigint;
  dueDate: number;
  status: Stored;
  owner: Actor;
  parentId: bigint;
  offer: { financier: Actor | null; price: bigint } | null;
  /** Cash received by holders through PaymentMade, summed from the events. */
  paidToHolders: bigint;
}

interface Model {
  invoices: Invoice[];
  byId: Map<bigint, Invoice>;
  /** Every invoice hash the run tried to register, successful or not. */
  hashesTried: Set<string>;
  /** Ids registered by squatting issues, by the invoice whose piece (in another block) they imitate. */
  squatted: Map<bigint, bigint[]>;
  /** The invoice (index) whose piece id was just squatted: its holder splits it in the next step. */
  splitNext: number | null;
  cash: Record<Actor, bigint>;
  expiry: number;
}

/** `null`: the party that would be allowed to act (debtor, supplier, holder). */
type Caller = Actor | null;
/**
 * Which invoice: `smart` picks among those in the status the operation needs, if any; `index`
 * (set by the model only, never generated) picks `m.invoices[index]`.
 */
interface Pick {
  n: number;
  smart: boolean;
  index?: number;
}

type Op =
  | {
      kind: "issue";
      supplier: Actor;
      debtor: Actor;
      amount: number;
      dueDays: number;
      hash: { mode: "new" | "reuse" | "squat"; n: number };
    }
  | { kind: "accept" | "reject" | "cancel" | "markDefaulted" | "cancelOffer"; pick: Pick; caller: Caller }
  | { kind: "offer"; pick: Pick; caller: Caller; financier: Actor | null; permille: number }
  | { kind: "finance"; pick: Pick; taker: Actor; exactPrice: boolean }
  | { kind: "split"; pick: Pick; caller: Caller; weights: number[]; skew: number }
  | { kind: "pay"; pick: Pick; payer: Caller; full: boolean; permille: number; wrongCurrency: boolean }
  | { kind: "transfer"; pick: Pick; caller: Caller; to: Actor; safe: boolean }
  | { kind: "advance"; seconds: number };

/** A predicted outcome: ok, an InvoiceRegistry custom error, or a refusal by the cash token. */
type Outcome = { ok: true } | { ok: false; error: string };
const OK: Outcome = { ok: true };
const fail = (error: string): Outcome => ({ ok: false, error });

function verified(m: Model, a: Actor, ts: number): boolean {
  return ATTRIBUTES[a] !== 0 && ts < m.expiry;
}
function eligible(m: Model, a: Actor, ts: number, mask: number): boolean {
  return verified(m, a, ts) && (ATTRIBUTES[a] & mask) !== 0;
}
/** Would the cash token move `amount` from `from` to `to` through the registry's allowance? */
function cashMoves(m: Model, from: Actor, to: Actor, amount: bigint, ts: number): boolean {
  // The outsider never approved the registry; the token needs both sides verified.
  return from !== "outsider" && verified(m, from, ts) && verified(m, to, ts) && m.cash[from] >= amount;
}
function outstandingOf(inv: Invoice): bigint {
  return ["Issued", "Accepted", "Defaulted"].includes(inv.status) ? inv.face - inv.paid : 0n;
}

// ------------------------------------------------------------------ generators

const actorArb = fc.constantFrom(...ACTORS);
const callerArb: fc.Arbitrary<Caller> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: actorArb },
);
const pickArb: fc.Arbitrary<Pick> = fc.record({
  n: fc.nat(),
  smart: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});
const holderArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Actor>("financier", "financier2", "supplier", "supplier2") },
  { weight: 1, arbitrary: actorArb },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("issue" as const),
      supplier: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom<Actor>("supplier", "supplier2") },
        { weight: 1, arbitrary: actorArb },
      ),
      debtor: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom<Actor>("debtor", "debtor2", "supplierDebtor") },
        { weight: 1, arbitrary: actorArb },
      ),
      // cents: a few tiny invoices, so that some splits need a zero piece
      amount: fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) },
        { weight: 6, arbitrary: fc.integer({ min: 5, max: 10_000_000 }) },
      ),
      dueDays: fc.oneof(
        { weight: 1, arbitrary: fc.constant(0) },
        { weight: 5, arbitrary: fc.integer({ min: 1, max: 5 }) },
        { weight: 5, arbitrary: fc.integer({ min: 6, max: 60 }) },
      ),
      hash: fc.record({
        mode: fc.oneof(
          { weight: 10, arbitrary: fc.constant("new" as const) },
          { weight: 1, arbitrary: fc.constant("reuse" as const) },
          { weight: 3, arbitrary: fc.constant("squat" as const) },
        ),
        n: fc.nat(),
      }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("accept" as const), pick: pickArb, caller: callerArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("reject" as const), pick: pickArb, caller: callerArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: pickArb, caller: callerArb }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("markDefaulted" as const), pick: pickArb, caller: callerArb }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("offer" as const),
      pick: pickArb,
      caller: callerArb,
      financier: fc.oneof(
        { weight: 2, arbitrary: fc.constant(null) },
        { weight: 3, arbitrary: fc.constantFrom<Actor>("financier", "financier2") },
        { weight: 1, arbitrary: actorArb },
      ),
      permille: fc.integer({ min: 1, max: 1000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancelOffer" as const), pick: pickArb, caller: callerArb }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("finance" as const),
      pick: pickArb,
      taker: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom<Actor>("financier", "financier2") },
        { weight: 1, arbitrary: actorArb },
      ),
      exactPrice: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("split" as const),
      pick: pickArb,
      caller: callerArb,
      weights: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 2, maxLength: 5 }),
      skew: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("pay" as const),
      pick: pickArb,
      payer: callerArb,
      full: fc.boolean(),
      // above 1000: more than the outstanding amount
      permille: fc.integer({ min: 1, max: 1050 }),
      wrongCurrency: fc.oneof(
        { weight: 15, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("transfer" as const),
      pick: pickArb,
      caller: callerArb,
      to: holderArb,
      safe: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      seconds: fc.constantFrom(60, ONE_DAY, 10 * ONE_DAY, 40 * ONE_DAY, 75 * ONE_DAY),
    }),
  },
);

/** The invoices on which each operation can succeed at time `ts` (what a `smart` pick looks for). */
const isIssued = (inv: Invoice) => inv.status === "Issued";
const isAccepted = (inv: Invoice) => inv.status === "Accepted";
const hasOffer = (inv: Invoice) => inv.offer !== null;
const WANTS: Record<Exclude<Op["kind"], "issue" | "advance">, (inv: Invoice, ts: number, grace: number) => boolean> = {
  accept: isIssued,
  reject: isIssued,
  cancel: isIssued,
  markDefaulted: (inv, ts, grace) => isAccepted(inv) && ts > inv.dueDate + grace,
  cancelOffer: hasOffer,
  finance: hasOffer,
  offer: isAccepted,
  split: isAccepted,
  pay: isAccepted,
  transfer: isAccepted,
};

// ------------------------------------------------------------------ the property

type Ctx = Awaited<ReturnType<typeof deployInvoiceFixture>>;

function signerOf(ctx: Ctx, a: Actor): HardhatEthersSigner {
  return ctx[a];
}

describe("InvoiceRegistry (property): random life cycles keep the invariants", function () {
  const stats = new Map<string, { ok: number; refused: number }>();
  const reasons = new Map<string, number>();
  const tally = (kind: string, out: Outcome) => {
    const s = stats.get(kind) ?? { ok: 0, refused: 0 };
    if (out.ok) s.ok += 1;
    else {
      s.refused += 1;
      reasons.set(`${kind}: ${out.error}`, (reasons.get(`${kind}: ${out.error}`) ?? 0) + 1);
    }
    stats.set(kind, s);
  };

  it(`holds over ${NUM_RUNS} runs of up to ${MAX_STEPS} steps (seed ${SEED})`, async function () {
    this.timeout(600_000);
    let label = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: Math.min(10, MAX_STEPS), maxLength: MAX_STEPS, size: "max" }),
        async (ops) => {
          const ctx = await loadFixture(deployInvoiceFixture);
          const reg = ctx.invoiceRegistry;
          const registryAddress = await reg.getAddress();
          const supply = await ctx.cashToken.totalSupply();
          const m: Model = {
            invoices: [],
            byId: new Map(),
            hashesTried: new Set(),
            squatted: new Map(),
            splitNext: null,
            cash: Object.fromEntries(ACTORS.map((a) => [a, 0n])) as Record<Actor, bigint>,
            expiry: ctx.expiry,
          };
          for (const a of ACTORS) {
            m.cash[a] = await ctx.cashToken.balanceOf(signerOf(ctx, a).address);
            expect(await ctx.identityRegistry.entityOf(signerOf(ctx, a).address), `entity of ${a}`).to.equal(
              ENTITY[a] === null ? ethers.ZeroHash : entity(ENTITY[a]!),
            );
          }
          const actorOf = new Map(ACTORS.map((a) => [signerOf(ctx, a).address, a]));

          /** The invoice an operation is about, or null when there is none yet. */
          const pick = (p: Pick, wants: (inv: Invoice) => boolean): Invoice | null => {
            if (m.invoices.length === 0) return null;
            if (p.index !== undefined) return m.invoices[p.index];
            const candidates = p.smart ? m.invoices.filter(wants) : [];
            const pool = candidates.length > 0 ? candidates : m.invoices;
            return pool[p.n % pool.length];
          };

          /**
           * Sends `send` in a block at latest + 1 (so the model knows the timestamp) and checks the
           * predicted outcome: success, the named InvoiceRegistry error, or a cash-token refusal.
           */
          const run = async (
            predict: (ts: number) => Outcome,
            send: () => Promise<ContractTransactionResponse>,
          ): Promise<{ out: Outcome; receipt: ContractTransactionReceipt | null; ts: number }> => {
            const ts = (await time.latest()) + 1;
            await time.setNextBlockTimestamp(ts);
            const out = predict(ts);
            if (out.ok) {
              const receipt = await (await send()).wait();
              expect(receipt?.status).to.equal(1);
              return { out, receipt, ts };
            }
            if (out.error === "cash") await expect(send()).to.be.reverted;
            else await expect(send()).to.be.revertedWithCustomError(reg, out.error);
            return { out, receipt: null, ts };
          };

          /** Log checks of one successful transaction: who moved which receivable, who got paid. */
          const checkLogs = (receipt: ContractTransactionReceipt, statusBefore: Map<bigint, Stored>) => {
            for (const log of receipt.logs) {
              if (log.address !== registryAddress) continue;
              const parsed = reg.interface.parseLog(log);
              if (parsed?.name === "Transfer" && parsed.args.from !== ethers.ZeroAddress) {
                // Invariant: a receivable that is not Accepted never changes owner.
                expect(
                  statusBefore.get(parsed.args.tokenId),
                  `moved a non-Accepted receivable ${parsed.args.tokenId}`,
                ).to.equal("Accepted");
              }
              if (parsed?.name === "PaymentMade") {
                const inv = m.byId.get(parsed.args.id)!;
                expect(actorOf.get(parsed.args.holder), "PaymentMade holder").to.equal(inv.owner);
                inv.paidToHolders += parsed.args.amount;
              }
            }
          };

          /**
           * Keeps sequences productive: a smart operation that finds no invoice it can act on becomes
           * the step towards one: the holder offers an Accepted invoice (for finance / cancelOffer),
           * time passes (for markDefaulted), the debtor accepts an Issued invoice, or a supplier issues one.
           * And the step after a squatting issue splits the invoice whose piece id it registered.
           */
          const redirect = (op: Op, ts: number): Op => {
            if (m.splitNext !== null) {
              // Right after a squatting issue: the holder splits the invoice whose piece id was squatted.
              const index = m.splitNext;
              m.splitNext = null;
              return { kind: "split", pick: { n: index, smart: true, index }, caller: null, weights: [1, 2], skew: 0 };
            }
            if (op.kind === "issue" || op.kind === "advance") return op;
            const wants = WANTS[op.kind];
            const n = op.pick.n;
            if (
              m.invoices.length > 0 &&
              (!op.pick.smart || m.invoices.some((inv) => wants(inv, ts, ctx.gracePeriod)))
            ) {
              return op;
            }
            if (m.invoices.some(isAccepted)) {
              if (op.kind === "finance" || op.kind === "cancelOffer") {
                const financier = ([null, "financier", "financier2"] as const)[n % 3];
                return { kind: "offer", pick: { n, smart: true }, caller: null, financier, permille: 900 };
              }
              if (op.kind === "markDefaulted") return { kind: "advance", seconds: 75 * ONE_DAY };
            }
            if (m.invoices.some(isIssued)) {
              return { kind: "accept", pick: { n, smart: true }, caller: null };
            }
            return {
              kind: "issue",
              supplier: n % 2 === 0 ? "supplier" : "supplier2",
              debtor: (["debtor", "debtor2", "supplierDebtor"] as const)[n % 3],
              amount: 100 + (n % 1_000_000),
              dueDays: 1 + (n % 30),
              hash: { mode: "new", n },
            };
          };

          for (const [step, rawOp] of ops.entries()) {
            const op = redirect(rawOp, (await time.latest()) + 1);
            const where = `step ${step} ${JSON.stringify(op)}`;
            const statusBefore = new Map(m.invoices.map((inv) => [inv.id, inv.status]));
            let result: Awaited<ReturnType<typeof run>> | null = null;

            switch (op.kind) {
              case "advance": {
                // Never past the participants' KYC expiry: that is the identity registry's business.
                const target = Math.min((await time.latest()) + op.seconds, m.expiry - 10 * ONE_DAY);
                if (target > (await time.latest())) await time.increaseTo(target);
                tally("advance", OK);
                break;
              }

              case "issue": {
                let hash: string;
                let squatting: bigint | null = null;
                if (op.hash.mode === "reuse" && m.invoices.length > 0) {
                  hash = ethers.toBeHex(m.invoices[op.hash.n % m.invoices.length].id, 32);
                } else if (op.hash.mode === "squat" && m.invoices.length > 0) {
                  // The id a piece of an existing invoice (an Accepted one if any: it can still be split)
                  // would take in a split mined in this very block or one or two before: never the block
                  // of a later split. (An id for the block a split is actually mined in does block it:
                  // the unit tests show that.)
                  const splittable = m.invoices.filter(isAccepted);
                  const pool = splittable.length > 0 ? splittable : m.invoices;
                  squatting = pool[op.hash.n % pool.length].id;
                  const block = (await ethers.provider.getBlockNumber()) + 1 - (op.hash.n % 3);
                  hash = ethers.toBeHex(childIdOf(squatting, op.hash.n % 5, block), 32);
                } else {
                  hash = invoiceHash(`property/${label++}`);
                }
                const id = BigInt(hash);
                m.hashesTried.add(hash);
                let dueDate = 0;
                result = await run(
                  (ts) => {
                    dueDate = ts + op.dueDays * ONE_DAY;
                    if (m.byId.has(id)) return fail("DuplicateInvoice");
                    if (dueDate <= ts) return fail("DueDateInPast");
                    if (!eligible(m, op.supplier, ts, Attr.SUPPLIER)) return fail("ParticipantNotEligible");
                    if (!eligible(m, op.debtor, ts, Attr.DEBTOR)) return fail("ParticipantNotEligible");
                    if (ENTITY[op.supplier] === ENTITY[op.debtor]) return fail("DebtorIsSupplier");
                    return OK;
                  },
                  () =>
                    reg
                      .connect(signerOf(ctx, op.supplier))
                      .issueInvoice(
                        signerOf(ctx, op.debtor).address,
                        op.amount,
                        ctx.currency,
                        dueDate,
                        hash,
                        `doc:${hash}`,
                        ethers.ZeroHash,
                        MINED,
                      ),
                );
                if (result.out.ok) {
                  const inv: Invoice = {
                    id,
                    supplier: op.supplier,
                    debtor: op.debtor,
                    face: BigInt(op.amount),
                    paid: 0n,
                    dueDate,
                    status: "Issued",
                    owner: op.supplier,
                    parentId: 0n,
                    offer: null,
                    paidToHolders: 0n,
                  };
                  m.invoices.push(inv);
                  m.byId.set(id, inv);
                  if (squatting !== null) {
                    m.squatted.set(squatting, [...(m.squatted.get(squatting) ?? []), id]);
                    const target = m.byId.get(squatting)!;
                    if (target.status === "Accepted") m.splitNext = m.invoices.indexOf(target);
                  }
                }
                if (squatting !== null) tally("issue.squat", result.out);
                break;
              }

              default: {
                const ts = (await time.latest()) + 1;
                const inv = pick(op.pick, (i) => WANTS[op.kind](i, ts, ctx.gracePeriod));
                if (inv === null) {
                  tally(op.kind, fail("no invoice yet"));
                  continue;
                }
                const id = inv.id;
                const statusErr = (wanted: Stored): Outcome | null =>
                  inv.status === wanted ? null : fail("InvalidStatus");

                switch (op.kind) {
                  case "accept": {
                    const by = op.caller ?? inv.debtor;
                    result = await run(
                      (ts) =>
                        statusErr("Issued") ??
                        (by !== inv.debtor
                          ? fail("NotDebtor")
                          : !eligible(m, by, ts, Attr.DEBTOR)
                            ? fail("ParticipantNotEligible")
                            : OK),
                      () => reg.connect(signerOf(ctx, by)).acceptInvoice(id, MINED),
                    );
                    if (result.out.ok) inv.status = "Accepted";
                    break;
                  }
                  case "reject": {
                    const by = op.caller ?? inv.debtor;
                    result = await run(
                      () => statusErr("Issued") ?? (by !== inv.debtor ? fail("NotDebtor") : OK),
                      () => reg.connect(signerOf(ctx, by)).rejectInvoice(id, ethers.id("reason"), MINED),
                    );
                    if (result.out.ok) inv.status = "Rejected";
                    break;
                  }
                  case "cancel": {
                    const by = op.caller ?? inv.supplier;
                    result = await run(
                      () => statusErr("Issued") ?? (by !== inv.supplier ? fail("NotSupplier") : OK),
                      () => reg.connect(signerOf(ctx, by)).cancelInvoice(id, MINED),
                    );
                    if (result.out.ok) inv.status = "Cancelled";
                    break;
                  }
                  case "markDefaulted": {
                    const by = op.caller ?? inv.owner;
                    result = await run(
                      (ts) =>
                        statusErr("Accepted") ??
                        (by !== inv.owner
                          ? fail("NotHolder")
                          : !eligible(m, by, ts, HOLDER_ATTRIBUTES)
                            ? fail("ParticipantNotEligible")
                            : ts <= inv.dueDate + ctx.gracePeriod
                              ? fail("NotYetDefaultable")
                              : OK),
                      () => reg.connect(signerOf(ctx, by)).markDefaulted(id, MINED),
                    );
                    if (result.out.ok) {
                      inv.status = "Defaulted";
                      inv.offer = null;
                    }
                    break;
                  }
                  case "offer": {
                    const by = op.caller ?? inv.owner;
                    const price = ((inv.face - inv.paid) * BigInt(op.permille)) / 1000n + 1n;
                    result = await run(
                      () => statusErr("Accepted") ?? (by !== inv.owner ? fail("NotHolder") : OK),
                      () =>
                        reg
                          .connect(signerOf(ctx, by))
                          .offerForFinancing(
                            id,
                            op.financier === null ? ethers.ZeroAddress : signerOf(ctx, op.financier).address,
                            price,
                            MINED,
                          ),
                    );
                    if (result.out.ok) inv.offer = { financier: op.financier, price };
                    break;
                  }
                  case "cancelOffer": {
                    const by = op.caller ?? inv.owner;
                    result = await run(
                      () => (by !== inv.owner ? fail("NotHolder") : inv.offer === null ? fail("NoOffer") : OK),
                      () => reg.connect(signerOf(ctx, by)).cancelOffer(id, MINED),
                    );
                    if (result.out.ok) inv.offer = null;
                    break;
                  }
                  case "finance": {
                    const offer = inv.offer;
                    const expected = offer === null ? 1n : offer.price + (op.exactPrice ? 0n : 1n);
                    const seller = inv.owner;
                    result = await run(
                      (ts) => {
                        if (offer === null) return fail("NoOffer");
                        if (offer.financier !== null && offer.financier !== op.taker) return fail("OfferRestricted");
                        if (expected !== offer.price) return fail("PriceMismatch");
                        // An offer only lives on an Accepted receivable.
                        expect(inv.status, `${where}: offer on a ${inv.status} invoice`).to.equal("Accepted");
                        // Only a verified financier takes an offer (a supplier may hold, not finance).
                        if (!eligible(m, op.taker, ts, Attr.FINANCIER)) return fail("ParticipantNotEligible");
                        if (!cashMoves(m, op.taker, seller, offer.price, ts)) return fail("cash");
                        return OK;
                      },
                      () => reg.connect(signerOf(ctx, op.taker)).finance(id, expected, MINED),
                    );
                    if (result.out.ok) {
                      m.cash[op.taker] -= offer!.price;
                      m.cash[seller] += offer!.price;
                      inv.owner = op.taker;
                      inv.offer = null;
                    }
                    break;
                  }
                  case "split": {
                    const by = op.caller ?? inv.owner;
                    const remaining = inv.face - inv.paid;
                    const total = BigInt(op.weights.reduce((s, w) => s + w, 0));
                    const amounts = op.weights.map((w) => (remaining * BigInt(w)) / total);
                    amounts[amounts.length - 1] += remaining - amounts.reduce((s, a) => s + a, 0n);
                    amounts[amounts.length - 1] += BigInt(op.skew);
                    // A uint256 cannot be negative: a piece pushed below zero is sent as an empty one.
                    if (amounts[amounts.length - 1] < 0n) amounts[amounts.length - 1] = 0n;
                    // `run` mines the split in the next block; the pieces' ids depend on it.
                    const splitBlock = (await ethers.provider.getBlockNumber()) + 1;
                    const childIds = childIdsOf(id, amounts.length, splitBlock);
                    const squats = m.squatted.get(id) ?? [];
                    const outstandingBefore = await reg.outstanding(id);
                    result = await run(
                      () => {
                        const s = statusErr("Accepted");
                        if (s) return s;
                        if (by !== inv.owner) return fail("NotHolder");
                        if (amounts.some((a) => a <= 0n)) return fail("ZeroAmount");
                        if (amounts.reduce((x, a) => x + a, 0n) !== remaining) return fail("SplitAmountsMismatch");
                        if (childIds.some((c) => m.byId.has(c))) return fail("DuplicateInvoice");
                        return OK;
                      },
                      () => reg.connect(signerOf(ctx, by)).split(id, amounts, MINED),
                    );
                    if (result.out.ok || result.out.error === "DuplicateInvoice") {
                      // Invariant: ids registered in advance for another block never block the split.
                      if (squats.length > 0) tally("split.squatted", result.out);
                    }
                    if (result.out.ok) {
                      expect(result.receipt!.blockNumber, `${where}: split block`).to.equal(splitBlock);
                      const emitted = result
                        .receipt!.logs.map((log) => reg.interface.parseLog(log))
                        .find((parsed) => parsed?.name === "InvoiceSplit");
                      expect([...emitted!.args.childIds], `${where}: InvoiceSplit ids`).to.deep.equal(childIds);
                      for (const squat of squats) expect(childIds, `${where}: squatted piece`).to.not.include(squat);
                      // Invariant: the pieces' face values sum to the parent's outstanding amount at split time.
                      const faces = await Promise.all(childIds.map(async (c) => (await reg.invoiceOf(c)).faceValue));
                      expect(
                        faces.reduce((x, a) => x + a, 0n),
                        `${where}: pieces vs outstanding`,
                      ).to.equal(outstandingBefore);
                      inv.status = "Split";
                      inv.offer = null;
                      childIds.forEach((c, i) => {
                        const child: Invoice = {
                          ...inv,
                          id: c,
                          face: amounts[i],
                          paid: 0n,
                          status: "Accepted",
                          parentId: id,
                          offer: null,
                          paidToHolders: 0n,
                        };
                        m.invoices.push(child);
                        m.byId.set(c, child);
                      });
                    }
                    break;
                  }
                  case "pay": {
                    const payer = op.payer ?? inv.debtor;
                    const remaining = inv.face - inv.paid;
                    const amount = op.full ? remaining : (remaining * BigInt(op.permille)) / 1000n;
                    const currency = op.wrongCurrency ? await ctx.securityToken.getAddress() : ctx.currency;
                    const holder = inv.owner;
                    result = await run(
                      (ts) => {
                        const s = statusErr("Accepted");
                        if (s) return s;
                        if (op.wrongCurrency) return fail("CurrencyMismatch");
                        if (amount === 0n) return fail("ZeroAmount");
                        if (amount > remaining) return fail("PaymentExceedsOutstanding");
                        if (!cashMoves(m, payer, holder, amount, ts)) return fail("cash");
                        return OK;
                      },
                      () => reg.connect(signerOf(ctx, payer)).pay(id, currency, amount, MINED),
                    );
                    if (result.out.ok) {
                      m.cash[payer] -= amount;
                      m.cash[holder] += amount;
                      inv.paid += amount;
                      inv.offer = null;
                      if (inv.paid === inv.face) inv.status = "Paid";
                    }
                    tally(op.full ? "pay.full" : "pay.partial", result.out);
                    break;
                  }
                  case "transfer": {
                    const by = op.caller ?? inv.owner;
                    const from = signerOf(ctx, inv.owner).address;
                    const to = signerOf(ctx, op.to).address;
                    result = await run(
                      (ts) =>
                        statusErr("Accepted") ??
                        (!eligible(m, op.to, ts, HOLDER_ATTRIBUTES)
                          ? fail("ParticipantNotEligible")
                          : by !== inv.owner
                            ? fail("ERC721InsufficientApproval")
                            : OK),
                      () =>
                        op.safe
                          ? reg
                              .connect(signerOf(ctx, by))
                              ["safeTransferFrom(address,address,uint256)"](from, to, id, MINED)
                          : reg.connect(signerOf(ctx, by)).transferFrom(from, to, id, MINED),
                    );
                    if (result.out.ok) {
                      inv.owner = op.to;
                      inv.offer = null;
                    }
                    break;
                  }
                }
                if (result && op.kind !== "pay") tally(op.kind, result.out);
              }
            }
            if (op.kind === "issue" && result) tally("issue", result.out);
            if (result?.receipt) checkLogs(result.receipt, statusBefore);
            await checkState(ctx, reg, m, supply, where);
          }
        },
      ),
      { seed: SEED, numRuns: NUM_RUNS },
    );

    // Guard against a vacuous test: every operation must have succeeded in the sample, and the
    // main ones must also have been refused (the model predicted the error and the chain agreed).
    const table = [...stats.entries()].map(([k, s]) => `${k}: ${s.ok} ok / ${s.refused} refused`).join("; ");
    if (process.env.FC_VERBOSE) {
      console.log(`      ${table}`);
      for (const [reason, n] of [...reasons.entries()].sort()) console.log(`        ${n} x ${reason}`);
    }
    for (const kind of [
      "issue",
      "accept",
      "reject",
      "cancel",
      "markDefaulted",
      "offer",
      "cancelOffer",
      "finance",
      "split",
      "pay.full",
      "pay.partial",
      "transfer",
    ]) {
      expect(stats.get(kind)?.ok ?? 0, `no successful ${kind} in the sample (${table})`).to.be.greaterThan(0);
    }
    for (const kind of ["issue", "accept", "offer", "finance", "split", "pay.full", "pay.partial", "transfer"]) {
      expect(stats.get(kind)?.refused ?? 0, `no refused ${kind} in the sample (${table})`).to.be.greaterThan(0);
    }
    // Squatting happened, and the invoices whose pieces' ids were squatted were still split.
    expect(stats.get("issue.squat")?.ok ?? 0, `no squatting issue in the sample (${table})`).to.be.greaterThan(0);
    expect(stats.get("split.squatted")?.ok ?? 0, `no split of a squatted invoice (${table})`).to.be.greaterThan(0);
    expect(stats.get("split.squatted")?.refused ?? 0, `a squat blocked a split (${table})`).to.equal(0);
  });
});

/** The chain agrees with the model, and the invariants hold. */
async function checkState(ctx: Ctx, reg: InvoiceRegistry, m: Model, supply: bigint, where: string) {
  const now = await time.latest();
  // Invariant: invoice operations never mint or burn cash; the cash went where the model says.
  expect(await ctx.cashToken.totalSupply(), `${where}: cash supply`).to.equal(supply);
  const balances = await Promise.all(ACTORS.map((a) => ctx.cashToken.balanceOf(signerOf(ctx, a).address)));
  ACTORS.forEach((a, i) => expect(balances[i], `${where}: cash of ${a}`).to.equal(m.cash[a]));

  // Invariant: ids are unique, and no hash maps to two invoices (invoiceIdByHash(h) is 0 or uint256(h)).
  expect(new Set(m.invoices.map((inv) => inv.id)).size, `${where}: duplicate ids`).to.equal(m.invoices.length);
  const hashes = [...m.hashesTried];
  const idsByHash = await Promise.all(hashes.map((h) => reg.invoiceIdByHash(h)));
  hashes.forEach((h, i) => {
    expect(idsByHash[i], `${where}: invoiceIdByHash(${h})`).to.equal(m.byId.has(BigInt(h)) ? BigInt(h) : 0n);
  });

  await Promise.all(
    m.invoices.map(async (inv) => {
      const [chain, owner, status, outstanding, offer] = await Promise.all([
        reg.invoiceOf(inv.id),
        reg.ownerOf(inv.id),
        reg.statusOf(inv.id),
        reg.outstanding(inv.id),
        reg.offerOf(inv.id),
      ]);
      const w = `${where}: invoice ${inv.id}`;
      expect(chain.status, `${w} status`).to.equal(Status[inv.status]);
      expect(chain.faceValue, `${w} face`).to.equal(inv.face);
      expect(chain.paid, `${w} paid`).to.equal(inv.paid);
      expect(chain.parentId, `${w} parent`).to.equal(inv.parentId);
      expect(chain.dueDate, `${w} due`).to.equal(BigInt(inv.dueDate));
      expect(chain.supplier, `${w} supplier`).to.equal(signerOf(ctx, inv.supplier).address);
      expect(chain.debtor, `${w} debtor`).to.equal(signerOf(ctx, inv.debtor).address);
      // Invariant (with the Transfer-log check): the holder is who the model says; a receivable
      // only changed hands while Accepted, so a non-Accepted one still has its last Accepted holder.
      expect(owner, `${w} owner`).to.equal(signerOf(ctx, inv.owner).address);
      expect(status, `${w} statusOf`).to.equal(
        inv.status === "Accepted" && now > inv.dueDate ? Status.Overdue : Status[inv.status],
      );
      expect(outstanding, `${w} outstanding`).to.equal(outstandingOf(inv));
      expect([offer.financier, offer.price], `${w} offer`).to.deep.equal(
        inv.offer === null
          ? [ethers.ZeroAddress, 0n]
          : [
              inv.offer.financier === null ? ethers.ZeroAddress : signerOf(ctx, inv.offer.financier).address,
              inv.offer.price,
            ],
      );
      // Invariant: what holders received through PaymentMade is what was paid; all of it once Paid.
      expect(inv.paidToHolders, `${w} paid to holders`).to.equal(inv.paid);
      if (inv.status === "Paid") expect(inv.paidToHolders, `${w} paid in full`).to.equal(inv.face);
      // A split parent's pieces carry exactly what was outstanding when it was split.
      if (inv.status === "Split") {
        const pieces = m.invoices.filter((c) => c.parentId === inv.id);
        expect(
          pieces.reduce((x, c) => x + c.face, 0n),
          `${w} pieces`,
        ).to.equal(inv.face - inv.paid);
      }
    }),
  );
}

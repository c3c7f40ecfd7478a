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
  Timing,
  deployInvoiceFixture,
  entity,
  invoiceKey,
  pieceIds,
} from "../fixtures/invoice";

/**
 * Model-based property test of InvoiceRegistry: random sequences of issue / accept / reject /
 * cancel / offer / cancelOffer / finance / split / pay / transfer / markDefaulted / time advance
 * over two suppliers, three debtors (one a wallet of a supplier's entity), two financiers and an
 * outsider, with holders' cash wallets frozen and unfrozen at random (payments to them are then
 * held by the registry, and claimed later). A model predicts each step's outcome (and its custom
 * error); after every step the chain must agree with the model and the invariants below must
 * hold: no key is ever registered twice in any spelling the canonical rules accept (other
 * spellings are refused by name); pieces sum to the parent's outstanding amount; every payment is
 * delivered to or held for the holder of record; each debtor entity's payment record equals the
 * sums recomputed from the events.
 *
 * Reproducible: fixed seed; FC_SEED / FC_RUNS / FC_STEPS override it to explore further.
 */
const SEED = Number(process.env.FC_SEED ?? 20260611);
const DEFAULT_RUNS = 25;
const NUM_RUNS = Number(process.env.FC_RUNS ?? DEFAULT_RUNS);
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
  /** Cash delivered to or held for holders through PaymentMade, summed from the events. */
  paidToHolders: bigint;
  number: string;
}

/** A debtor entity's payment record, recomputed from the events. */
interface RecordSums {
  acceptedCount: bigint;
  acceptedValue: bigint;
  paidOnTimeCount: bigint;
  paidOnTimeValue: bigint;
  paidLateCount: bigint;
  paidLateValue: bigint;
  defaultedCount: bigint;
  defaultedValue: bigint;
}

interface Model {
  invoices: Invoice[];
  byId: Map<bigint, Invoice>;
  /** Every key the run tried to register (canonical spellings only), successful or not. */
  keysTried: Set<bigint>;
  cash: Record<Actor, bigint>;
  /** Cash wallets frozen in the cash token. */
  frozen: Set<Actor>;
  /** Payments held by the registry for each holder, and the registry's cash. */
  held: Record<Actor, bigint>;
  registryCash: bigint;
  /** Per debtor entity, from the events. */
  records: Map<string, RecordSums>;
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
      number: { mode: "new" | "reuse" | "lower" | "space"; n: number };
    }
  | { kind: "accept" | "reject" | "cancel" | "markDefaulted" | "cancelOffer"; pick: Pick; caller: Caller }
  | { kind: "offer"; pick: Pick; caller: Caller; financier: Actor | null; permille: number }
  | { kind: "finance"; pick: Pick; taker: Actor; exactPrice: boolean }
  | { kind: "split"; pick: Pick; caller: Caller; weights: number[]; skew: number }
  | { kind: "pay"; pick: Pick; payer: Caller; full: boolean; permille: number; wrongCurrency: boolean }
  | { kind: "transfer"; pick: Pick; caller: Caller; to: Actor; safe: boolean }
  | { kind: "advance"; seconds: number }
  | { kind: "freeze"; who: Actor }
  | { kind: "claim"; holder: Actor; caller: Caller };

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
/** Would the cash token move `amount` from `from` to `to` (the registry if null) through its allowance? */
function cashMoves(m: Model, from: Actor, to: Actor | null, amount: bigint, ts: number): boolean {
  // The outsider never approved the registry; the token needs both sides verified and unfrozen.
  const toOk = to === null || (verified(m, to, ts) && !m.frozen.has(to));
  return from !== "outsider" && verified(m, from, ts) && !m.frozen.has(from) && toOk && m.cash[from] >= amount;
}
/** Can the registry pay `to` out of its own cash? */
function registryPays(m: Model, to: Actor, ts: number): boolean {
  return verified(m, to, ts) && !m.frozen.has(to);
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
      number: fc.record({
        mode: fc.oneof(
          { weight: 10, arbitrary: fc.constant("new" as const) },
          { weight: 2, arbitrary: fc.constant("reuse" as const) },
          { weight: 1, arbitrary: fc.constant("lower" as const) },
          { weight: 1, arbitrary: fc.constant("space" as const) },
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
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("freeze" as const),
      who: fc.constantFrom<Actor>("financier", "financier2", "supplier", "supplier2"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("claim" as const),
      holder: fc.constantFrom<Actor>("financier", "financier2", "supplier", "supplier2"),
      caller: callerArb,
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
const isLive = (inv: Invoice) => inv.status === "Accepted" || inv.status === "Defaulted";
const hasOffer = (inv: Invoice) => inv.offer !== null;
const WANTS: Record<
  Exclude<Op["kind"], "issue" | "advance" | "freeze" | "claim">,
  (inv: Invoice, ts: number, grace: number) => boolean
> = {
  accept: isIssued,
  reject: isIssued,
  cancel: isIssued,
  markDefaulted: (inv, ts, grace) => isAccepted(inv) && ts > inv.dueDate + grace,
  cancelOffer: hasOffer,
  finance: hasOffer,
  offer: isLive,
  split: isAccepted,
  pay: isLive,
  transfer: isLive,
};
/** The issuing authority of every invoice of the property test. */
const AUTHORITY = "CN-SZ";

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
            keysTried: new Set(),
            cash: Object.fromEntries(ACTORS.map((a) => [a, 0n])) as Record<Actor, bigint>,
            frozen: new Set(),
            held: Object.fromEntries(ACTORS.map((a) => [a, 0n])) as Record<Actor, bigint>,
            registryCash: 0n,
            records: new Map(),
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
                // Invariant: only an Accepted or Defaulted receivable changes owner.
                expect(
                  ["Accepted", "Defaulted"],
                  `moved a receivable ${parsed.args.tokenId} that was ${statusBefore.get(parsed.args.tokenId)}`,
                ).to.include(statusBefore.get(parsed.args.tokenId));
              }
              const recordOf = (id: bigint) => {
                const debtorEntity = ENTITY[m.byId.get(id)!.debtor]!;
                const sums = m.records.get(debtorEntity) ?? {
                  acceptedCount: 0n,
                  acceptedValue: 0n,
                  paidOnTimeCount: 0n,
                  paidOnTimeValue: 0n,
                  paidLateCount: 0n,
                  paidLateValue: 0n,
                  defaultedCount: 0n,
                  defaultedValue: 0n,
                };
                m.records.set(debtorEntity, sums);
                return sums;
              };
              if (parsed?.name === "InvoiceAccepted") {
                const r = recordOf(parsed.args.id);
                r.acceptedCount += 1n;
                r.acceptedValue += m.byId.get(parsed.args.id)!.face;
              }
              if (parsed?.name === "InvoiceDefaulted") {
                const r = recordOf(parsed.args.id);
                r.defaultedCount += 1n;
                r.defaultedValue += parsed.args.outstanding;
              }
              if (parsed?.name === "PaymentMade") {
                const inv = m.byId.get(parsed.args.id)!;
                // Invariant: every payment is delivered to, or held for, the holder of record.
                expect(actorOf.get(parsed.args.holder), "PaymentMade holder").to.equal(inv.owner);
                inv.paidToHolders += parsed.args.amount;
                const r = recordOf(parsed.args.id);
                if (parsed.args.timing === BigInt(Timing.OnTime)) {
                  r.paidOnTimeCount += 1n;
                  r.paidOnTimeValue += parsed.args.amount;
                } else {
                  r.paidLateCount += 1n;
                  r.paidLateValue += parsed.args.amount;
                }
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
            // Held cash is claimed soon: by its holder once unfrozen (a freeze step unfreezes it).
            const waiting = ACTORS.filter((a) => m.held[a] > 0n);
            if (waiting.some((a) => !m.frozen.has(a)) && op.kind !== "claim") {
              return { kind: "claim", holder: waiting.find((a) => !m.frozen.has(a))!, caller: null };
            }
            if (op.kind === "freeze" && waiting.length > 0) return { kind: "freeze", who: waiting[0] };
            if (op.kind === "issue" || op.kind === "advance" || op.kind === "freeze" || op.kind === "claim") return op;
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
              number: { mode: "new", n },
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

              case "freeze": {
                const frozen = !m.frozen.has(op.who);
                await ctx.cashToken.connect(ctx.cashIssuer).setAddressFrozen(signerOf(ctx, op.who).address, frozen);
                if (frozen) m.frozen.add(op.who);
                else m.frozen.delete(op.who);
                tally("freeze", OK);
                break;
              }

              case "claim": {
                // Mostly a holder something is held for, claimed by itself or, while it is frozen, by
                // another wallet of its entity if it has one.
                const waiting = ACTORS.filter((a) => m.held[a] > 0n);
                const holder = op.caller === null && waiting.length > 0 ? waiting[0] : op.holder;
                const sibling = holder === "supplier" ? "supplierDebtor" : holder;
                const by = op.caller ?? (m.frozen.has(holder) ? sibling : holder);
                const amount = m.held[holder];
                result = await run(
                  (ts) => {
                    if (amount === 0n) return fail("NothingHeld");
                    if (by !== holder && (ENTITY[by] === null || ENTITY[by] !== ENTITY[holder])) {
                      return fail("NotSameEntity");
                    }
                    return registryPays(m, by, ts) ? OK : fail("cash");
                  },
                  () => reg.connect(signerOf(ctx, by)).claimHeld(signerOf(ctx, holder).address, ctx.currency, MINED),
                );
                if (result.out.ok) {
                  m.held[holder] = 0n;
                  m.registryCash -= amount;
                  m.cash[by] += amount;
                }
                tally("claim", result.out);
                break;
              }

              case "issue": {
                // A new number, an existing invoice's number (the same supplier entity: a duplicate), or
                // an existing number spelt in lower case or with a space (refused by name).
                const existing = m.invoices.filter((inv) => inv.parentId === 0n);
                const base = existing.length > 0 ? existing[op.number.n % existing.length].number : `N-${label}`;
                let number = `P/${label++}`;
                if (op.number.mode === "reuse" && existing.length > 0) number = base;
                if (op.number.mode === "lower") number = base.toLowerCase();
                if (op.number.mode === "space") number = ` ${base}`;
                const canonical = op.number.mode !== "lower" && op.number.mode !== "space";
                const supplierEntity = ENTITY[op.supplier] === null ? ethers.ZeroHash : entity(ENTITY[op.supplier]!);
                const id = canonical ? invoiceKey(supplierEntity, AUTHORITY, number) : 0n;
                if (canonical) m.keysTried.add(id);
                let dueDate = 0;
                result = await run(
                  (ts) => {
                    dueDate = ts + op.dueDays * ONE_DAY;
                    if (dueDate <= ts) return fail("DueDateInPast");
                    if (!eligible(m, op.supplier, ts, Attr.SUPPLIER)) return fail("ParticipantNotEligible");
                    if (!eligible(m, op.debtor, ts, Attr.DEBTOR)) return fail("ParticipantNotEligible");
                    if (ENTITY[op.supplier] === ENTITY[op.debtor]) return fail("DebtorIsSupplier");
                    if (op.number.mode === "lower") return fail("InvoiceFieldLowerCase");
                    if (op.number.mode === "space") return fail("InvoiceFieldSpace");
                    if (m.byId.has(id)) return fail("DuplicateInvoice");
                    return OK;
                  },
                  () =>
                    reg.connect(signerOf(ctx, op.supplier)).issueInvoice(
                      {
                        debtor: signerOf(ctx, op.debtor).address,
                        faceValue: op.amount,
                        currency: ctx.currency,
                        dueDate,
                        documentHash: ethers.ZeroHash,
                      },
                      AUTHORITY,
                      number,
                      `doc:${number}`,
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
                    number,
                  };
                  m.invoices.push(inv);
                  m.byId.set(id, inv);
                }
                if (op.number.mode !== "new") tally(`issue.${op.number.mode}`, result.out);
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
                const statusErr = (...wanted: Stored[]): Outcome | null =>
                  wanted.includes(inv.status) ? null : fail("InvalidStatus");

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
                      () => statusErr("Accepted", "Defaulted") ?? (by !== inv.owner ? fail("NotHolder") : OK),
                      () =>
                        reg
                          .connect(signerOf(ctx, by))
                          .offerForFinancing(
                            id,
                            op.financier === null ? ethers.ZeroAddress : signerOf(ctx, op.financier).address,
                            price,
                            0,
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
                        // An offer only lives on an Accepted or Defaulted receivable.
                        expect(["Accepted", "Defaulted"], `${where}: offer on a ${inv.status} invoice`).to.include(
                          inv.status,
                        );
                        // Only a verified financier takes an offer (a supplier may hold, not finance).
                        if (!eligible(m, op.taker, ts, Attr.FINANCIER)) return fail("ParticipantNotEligible");
                        if (!cashMoves(m, op.taker, seller, offer.price, ts)) return fail("cash");
                        return OK;
                      },
                      () => reg.connect(signerOf(ctx, op.taker)).finance(id, expected, 0, MINED),
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
                    // The pieces' ids depend on the parent and the index only.
                    const childIds = pieceIds(id, amounts.length);
                    const outstandingBefore = await reg.outstanding(id);
                    result = await run(
                      () => {
                        const s = statusErr("Accepted");
                        if (s) return s;
                        if (by !== inv.owner) return fail("NotHolder");
                        if (amounts.some((a) => a <= 0n)) return fail("ZeroAmount");
                        if (amounts.reduce((x, a) => x + a, 0n) !== remaining) return fail("SplitAmountsMismatch");
                        return OK;
                      },
                      () => reg.connect(signerOf(ctx, by)).split(id, amounts, MINED),
                    );
                    if (result.out.ok) {
                      // Invariant: no piece id was ever taken by an issued invoice.
                      for (const c of childIds) expect(m.byId.has(c), `${where}: piece ${c} taken`).to.equal(false);
                      const emitted = result
                        .receipt!.logs.map((log) => reg.interface.parseLog(log))
                        .find((parsed) => parsed?.name === "InvoiceSplit");
                      expect([...emitted!.args.childIds], `${where}: InvoiceSplit ids`).to.deep.equal(childIds);
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
                    let held = false;
                    result = await run(
                      (ts) => {
                        const s = statusErr("Accepted", "Defaulted");
                        if (s) return s;
                        if (op.wrongCurrency) return fail("CurrencyMismatch");
                        if (amount === 0n) return fail("ZeroAmount");
                        if (amount > remaining) return fail("PaymentExceedsOutstanding");
                        if (cashMoves(m, payer, holder, amount, ts)) return OK;
                        // The holder cannot receive: held, if the payer's own leg (to the registry) is valid.
                        held = true;
                        return cashMoves(m, payer, null, amount, ts) ? OK : fail("cash");
                      },
                      () => reg.connect(signerOf(ctx, payer)).pay(id, currency, amount, MINED),
                    );
                    if (result.out.ok) {
                      m.cash[payer] -= amount;
                      if (held) {
                        m.held[holder] += amount;
                        m.registryCash += amount;
                      } else {
                        m.cash[holder] += amount;
                      }
                      inv.paid += amount;
                      inv.offer = null;
                      if (inv.paid === inv.face) inv.status = "Paid";
                      const made = result
                        .receipt!.logs.filter((log) => log.address === registryAddress)
                        .map((log) => reg.interface.parseLog(log))
                        .find((parsed) => parsed?.name === "PaymentMade");
                      expect(made!.args.held, `${where}: held`).to.equal(held);
                    }
                    tally(held ? "pay.held" : op.full ? "pay.full" : "pay.partial", result.out);
                    break;
                  }
                  case "transfer": {
                    const by = op.caller ?? inv.owner;
                    const from = signerOf(ctx, inv.owner).address;
                    const to = signerOf(ctx, op.to).address;
                    result = await run(
                      (ts) =>
                        statusErr("Accepted", "Defaulted") ??
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
            await checkState(ctx, reg, m, supply, where).catch((e: Error) => {
              throw new Error(`${where}: ${e.message}`);
            });
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
    // A reduced sample (FC_RUNS below the default, as coverage and the Berlin run use) may miss a
    // rare operation: the guard judges the full sample of `npm test`.
    if (NUM_RUNS >= DEFAULT_RUNS) {
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
        "pay.held",
        "claim",
        "transfer",
        "issue.reuse",
      ]) {
        expect(stats.get(kind)?.ok ?? 0, `no successful ${kind} in the sample (${table})`).to.be.greaterThan(0);
      }
      for (const kind of [
        "issue",
        "issue.reuse",
        "issue.lower",
        "issue.space",
        "accept",
        "offer",
        "finance",
        "split",
        "pay.full",
        "pay.partial",
        "transfer",
      ]) {
        expect(stats.get(kind)?.refused ?? 0, `no refused ${kind} in the sample (${table})`).to.be.greaterThan(0);
      }
    }
    // No other spelling of a registered number was ever accepted.
    for (const kind of ["issue.lower", "issue.space"]) {
      expect(stats.get(kind)?.ok ?? 0, `${kind} registered (${table})`).to.equal(0);
    }
  });
});

/** The chain agrees with the model, and the invariants hold. */
async function checkState(ctx: Ctx, reg: InvoiceRegistry, m: Model, supply: bigint, where: string) {
  const now = await time.latest();
  // Invariant: invoice operations never mint or burn cash; the cash went where the model says.
  expect(await ctx.cashToken.totalSupply(), `${where}: cash supply`).to.equal(supply);
  const balances = await Promise.all(ACTORS.map((a) => ctx.cashToken.balanceOf(signerOf(ctx, a).address)));
  ACTORS.forEach((a, i) => expect(balances[i], `${where}: cash of ${a}`).to.equal(m.cash[a]));
  expect(await ctx.cashToken.balanceOf(await reg.getAddress()), `${where}: registry cash`).to.equal(m.registryCash);
  const held = await Promise.all(ACTORS.map((a) => reg.heldPayments(signerOf(ctx, a).address, ctx.currency)));
  ACTORS.forEach((a, i) => expect(held[i], `${where}: held for ${a}`).to.equal(m.held[a]));

  // Invariant: ids are unique, and a key tried is registered exactly when the model registered it.
  expect(new Set(m.invoices.map((inv) => inv.id)).size, `${where}: duplicate ids`).to.equal(m.invoices.length);
  const keys = [...m.keysTried];
  const statuses = await Promise.all(keys.map((k) => reg.statusOf(k)));
  keys.forEach((k, i) => {
    expect(statuses[i] !== 0n, `${where}: key ${k} registered`).to.equal(m.byId.has(k));
  });

  // Invariant: each debtor entity's record equals the sums recomputed from the events.
  for (const name of ["BUYER_A", "BUYER_B", "SUPPLIER_A"]) {
    const chain = await reg.paymentRecordOf(entity(name), ctx.currency);
    const sums = m.records.get(name);
    const w = `${where}: record of ${name}`;
    expect(chain.acceptedCount, w).to.equal(sums?.acceptedCount ?? 0n);
    expect(chain.acceptedValue, w).to.equal(sums?.acceptedValue ?? 0n);
    expect([chain.paidOnTimeCount, chain.paidOnTimeValue], w).to.deep.equal([
      sums?.paidOnTimeCount ?? 0n,
      sums?.paidOnTimeValue ?? 0n,
    ]);
    expect([chain.paidLateCount, chain.paidLateValue], w).to.deep.equal([
      sums?.paidLateCount ?? 0n,
      sums?.paidLateValue ?? 0n,
    ]);
    expect([chain.defaultedCount, chain.defaultedValue], w).to.deep.equal([
      sums?.defaultedCount ?? 0n,
      sums?.defaultedValue ?? 0n,
    ]);
    const live = m.invoices.filter((inv) => ENTITY[inv.debtor] === name && isLive(inv));
    expect(chain.outstanding, `${w} outstanding`).to.equal(live.reduce((x, inv) => x + inv.face - inv.paid, 0n));
  }

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
      // only changed hands while Accepted or Defaulted.
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
      // Invariant: what was delivered to or held for holders is what was paid; all of it once Paid.
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

import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ONE_DAY, entity, pieceIds } from "../fixtures/invoice";
import { deployCreditFixture } from "../fixtures/credit";

/**
 * Property test of credit exposure: random sequences of issue-and-accept, financing, transfers,
 * splits, payments, defaults, time, line grants / changes / closes, enforcement switches, debtor
 * ceilings and adverse records (filed, disputed, upheld or struck) over two suppliers, two debtors
 * and two lenders. After every step:
 * - each (holder entity, debtor entity)'s exposure equals the sum of the outstanding amounts of the
 *   Accepted or Defaulted receivables (pieces too) its wallets hold, read from the invoice registry;
 * - each debtor's accepted-but-unpaid total equals the same sum over all holders;
 * - a lender with enforcement on never sees its exposure rise above its line (it may stay above only
 *   after a cut), and every financing, transfer and acceptance is refused exactly when the line or
 *   the ceiling predicts it, with the predicted error.
 * After each sequence, the credit record of each debtor equals the sums recomputed from the events
 * (payment record, lines received, limit and use, adverse records by status), and every exposure
 * equals the sum of its ExposureChanged events.
 *
 * Reproducible: fixed seed; FC_SEED / FC_RUNS / FC_STEPS override it to explore further.
 */
const SEED = Number(process.env.FC_SEED ?? 20261130);
const DEFAULT_RUNS = 4;
const NUM_RUNS = Number(process.env.FC_RUNS ?? DEFAULT_RUNS);
const MAX_STEPS = Number(process.env.FC_STEPS ?? 28);

const OPS = [
  "issue",
  "issue",
  "issue",
  "finance",
  "finance",
  "finance",
  "transfer",
  "transfer",
  "split",
  "pay",
  "pay",
  "default",
  "advance",
  "line",
  "line",
  "enforce",
  "ceiling",
  "file",
  "dispute",
  "decide",
] as const;
type Op = { op: (typeof OPS)[number]; a: number; b: number; c: number };

const HOLDER_NAMES = ["SUPPLIER_A", "SUPPLIER_B", "BANK_A", "BANK_B"] as const;
const DEBTOR_NAMES = ["BUYER_A", "BUYER_B"] as const;

describe("CreditRegistry (property): exposure, limits and the credit record", function () {
  it("exposure is exact, lines hold under enforcement, the record matches the events", async function () {
    this.timeout(600_000);
    const stats = new Map<string, { ok: number; refused: number }>();
    const tally = (kind: string, ok: boolean) => {
      const s = stats.get(kind) ?? { ok: 0, refused: 0 };
      if (ok) s.ok += 1;
      else s.refused += 1;
      stats.set(kind, s);
    };
    const step = fc.record({
      op: fc.constantFrom(...OPS),
      a: fc.nat(1000),
      b: fc.nat(1000),
      c: fc.nat(100_000),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: Math.ceil((MAX_STEPS * 2) / 3), maxLength: MAX_STEPS }),
        async (ops: Op[]) => {
          const f = await loadFixture(deployCreditFixture);
          const { credit, invoiceRegistry: reg, currency } = f;
          const suppliers = [f.supplier, f.supplier2];
          const debtors = [f.debtor, f.debtor2];
          const lenders = [f.financier, f.financier2];
          const officers = [f.officerA, f.officerB];
          const holders = [f.supplier, f.supplier2, f.financier, f.financier2];
          const entityOfWallet = new Map<string, string>(
            holders.map((w, i) => [w.address, entity(HOLDER_NAMES[i])] as [string, string]),
          );
          const ids: bigint[] = [];
          let issued = 0;
          let advanced = 0;
          // (lender, debtor) pairs whose exposure may stand above the line: the line was cut (or closed)
          // below it, or the lender switched enforcement on above it; cleared once exposure is within.
          const cut = new Set<string>();
          const key = (h: string, d: string) => `${h}:${d}`;

          /** The live receivables (Accepted or Defaulted), and exposure and debtor totals recomputed from them. */
          async function truth() {
            const exposure = new Map<string, bigint>();
            const owed = new Map<string, bigint>();
            const live: { id: bigint; holder: string; out: bigint; debtor: string; status: bigint; due: bigint }[] = [];
            for (const id of ids) {
              const inv = await reg.invoiceOf(id);
              if (inv.status !== 2n && inv.status !== 6n) continue;
              const out = inv.faceValue - inv.paid;
              const owner = await reg.ownerOf(id);
              live.push({ id, holder: owner, out, debtor: inv.debtor, status: inv.status, due: inv.dueDate });
              const holder = entityOfWallet.get(owner)!;
              const debtor = entity(DEBTOR_NAMES[debtors.findIndex((d) => d.address === inv.debtor)]);
              exposure.set(key(holder, debtor), (exposure.get(key(holder, debtor)) ?? 0n) + out);
              owed.set(debtor, (owed.get(debtor) ?? 0n) + out);
            }
            return { exposure, owed, live };
          }

          /** Whether the chain must refuse `amount` more for `holderWallet` on `debtor`, and why. */
          async function lineRefusal(
            holderWallet: HardhatEthersSigner,
            debtor: string,
            amount: bigint,
            before: Map<string, bigint>,
          ) {
            const holder = entityOfWallet.get(holderWallet.address)!;
            if (!(await credit.isEnforced(holder))) return undefined;
            const line = await credit.lineOf(holder, debtor);
            if (line.limit === 0n || line.currency !== currency) return "NoCreditLine";
            if (line.expiry <= BigInt(await time.latest()) + 1n) return "CreditLineExpired";
            if ((before.get(key(holder, debtor)) ?? 0n) + amount > line.limit) return "CreditLineExceeded";
            return undefined;
          }

          async function expectOutcome(kind: string, tx: Promise<unknown>, refusal: string | undefined) {
            if (refusal) await expect(tx, kind).to.be.revertedWithCustomError(credit, refusal);
            else await expect(tx, kind).not.to.be.reverted;
            tally(kind, refusal === undefined);
          }

          /** A live receivable (Accepted or Defaulted; Accepted only if told) chosen by `n`. */
          function live(n: number, acceptedOnly = false) {
            const candidates = state.live.filter((r) => !acceptedOnly || r.status === 2n);
            return candidates.length === 0 ? undefined : candidates[n % candidates.length];
          }
          const walletOf = (address: string) => holders.find((w) => w.address === address)!;
          const debtorEntityOf = (address: string) =>
            entity(DEBTOR_NAMES[debtors.findIndex((d) => d.address === address)]);

          // Every sequence starts with BANK_A enforcing a line of 2,000.00 on BUYER_A (changed at random later).
          await credit.connect(f.officerA).setLine(entity("BUYER_A"), currency, f.cash(2000), f.far);
          await credit.connect(f.officerA).setEnforcement(true);
          let state = await truth();
          for (const { op, a, b, c } of ops) {
            const before = state.exposure;
            const enforcedBefore = new Map<string, boolean>();
            for (const name of ["BANK_A", "BANK_B"])
              enforcedBefore.set(entity(name), await credit.isEnforced(entity(name)));
            switch (op) {
              case "issue": {
                const supplier = suppliers[a % 2];
                const debtorIndex = b % 2;
                const amount = f.cash(400 + (c % 1600));
                const { id } = await f.issue(`P-${++issued}`, {
                  from: supplier,
                  to: debtors[debtorIndex],
                  amount,
                  dueIn: 10 * ONE_DAY,
                });
                const debtor = entity(DEBTOR_NAMES[debtorIndex]);
                const ceiling = await credit.debtorCeilingOf(debtor, currency);
                const refused = ceiling.active && ceiling.outstanding + amount > ceiling.ceiling;
                const supplierRefusal = await lineRefusal(supplier, debtor, amount, before);
                await expectOutcome(
                  "accept",
                  reg.connect(debtors[debtorIndex]).acceptInvoice(id),
                  refused ? "DebtorCeilingExceeded" : supplierRefusal,
                );
                ids.push(id);
                break;
              }
              case "finance":
              case "transfer": {
                const r = live(a);
                if (!r) break;
                const to = op === "finance" ? lenders[b % 2] : holders[b % 4];
                if (to.address === r.holder) break;
                const refusal = await lineRefusal(to, debtorEntityOf(r.debtor), r.out, before);
                const holder = walletOf(r.holder);
                if (op === "finance") {
                  await reg.connect(holder).offerForFinancing(r.id, to.address, 1 + (c % 1000), 0);
                  await expectOutcome("finance", reg.connect(to).finance(r.id, 1 + (c % 1000), 0), refusal);
                } else {
                  await expectOutcome(
                    "transfer",
                    reg.connect(holder).transferFrom(holder.address, to.address, r.id),
                    refusal,
                  );
                }
                break;
              }
              case "split": {
                const r = live(a, true);
                if (!r || r.out < 2n) break;
                const first = 1n + (BigInt(c) % (r.out - 1n));
                await reg.connect(walletOf(r.holder)).split(r.id, [first, r.out - first]);
                ids.push(...pieceIds(r.id, 2));
                tally("split", true);
                break;
              }
              case "pay": {
                const r = live(a);
                if (!r) break;
                const amount = c % 3 === 0 ? r.out : 1n + (BigInt(c) % r.out);
                const payer = debtors.find((d) => d.address === r.debtor)!;
                await reg.connect(payer).pay(r.id, currency, amount);
                tally("pay", true);
                break;
              }
              case "default": {
                const r = live(a, true);
                if (!r || BigInt(await time.latest()) + 1n <= r.due + BigInt(f.gracePeriod)) break;
                await reg.connect(walletOf(r.holder)).markDefaulted(r.id);
                tally("default", true);
                break;
              }
              case "advance":
                if (advanced < 120) {
                  advanced += 15;
                  await time.increase(15 * ONE_DAY);
                }
                break;
              case "line": {
                const lender = entity(["BANK_A", "BANK_B"][a % 2]);
                const debtor = entity(DEBTOR_NAMES[b % 2]);
                const limit = f.cash(c % 4000);
                const existing = await credit.lineOf(lender, debtor);
                if (limit === 0n) {
                  if (existing.limit === 0n) break;
                  await credit.connect(officers[a % 2]).closeLine(debtor);
                  // Closing a line with exposure under it is a cut to zero.
                  if ((before.get(key(lender, debtor)) ?? 0n) > 0n) cut.add(key(lender, debtor));
                  tally("line.close", true);
                  break;
                }
                // Expiry: usually far, sometimes soon (lines lapse as time advances).
                const expiry = (await time.latest()) + (c % 5 === 0 ? 20 * ONE_DAY : 300 * ONE_DAY);
                await credit.connect(officers[a % 2]).setLine(debtor, currency, limit, expiry);
                if ((before.get(key(lender, debtor)) ?? 0n) > limit) cut.add(key(lender, debtor));
                tally("line.set", true);
                break;
              }
              case "enforce": {
                const lender = entity(["BANK_A", "BANK_B"][a % 2]);
                const on = !(await credit.isEnforced(lender));
                await credit.connect(officers[a % 2]).setEnforcement(on);
                for (const d of DEBTOR_NAMES) {
                  const k = key(lender, entity(d));
                  if (on && (before.get(k) ?? 0n) > (await credit.lineOf(lender, entity(d))).limit) cut.add(k);
                }
                tally("enforce", true);
                break;
              }
              case "ceiling": {
                const debtor = entity(DEBTOR_NAMES[b % 2]);
                if (c % 4 === 0) await credit.connect(f.admin).removeDebtorCeiling(debtor, currency);
                else await credit.connect(f.admin).setDebtorCeiling(debtor, currency, f.cash(c % 8000));
                tally("ceiling", true);
                break;
              }
              case "file": {
                const debtor = entity(DEBTOR_NAMES[b % 2]);
                await credit
                  .connect(f.reporter)
                  .fileAdverseRecord(debtor, c % 6, currency, f.cash(c % 500), await time.latest(), ethers.id(`e${c}`));
                tally("file", true);
                break;
              }
              case "dispute": {
                const count = await credit.adverseRecordCount();
                if (count === 0n) break;
                const id = 1n + (BigInt(a) % count);
                const rec = await credit.adverseRecord(id);
                if (rec.status !== 1n) break;
                const wallet = debtors[DEBTOR_NAMES.findIndex((n) => entity(n) === rec.subject)];
                await credit.connect(wallet).disputeRecord(id, ethers.id(`d${c}`));
                tally("dispute", true);
                break;
              }
              case "decide": {
                const count = await credit.adverseRecordCount();
                if (count === 0n) break;
                const id = 1n + (BigInt(a) % count);
                if ((await credit.adverseRecord(id)).status !== 2n) break;
                if (c % 2 === 0) await credit.connect(f.admin).upholdRecord(id);
                else await credit.connect(f.admin).strikeRecord(id);
                tally("decide", true);
                break;
              }
            }

            // Exposure is exact; debtor totals are exact.
            state = await truth();
            const { exposure, owed } = state;
            for (const h of HOLDER_NAMES) {
              for (const d of DEBTOR_NAMES) {
                const want = exposure.get(key(entity(h), entity(d))) ?? 0n;
                expect(
                  await credit.exposureIn(entity(h), entity(d), currency),
                  `${op}: exposure ${h} -> ${d}`,
                ).to.equal(want);
              }
            }
            for (const d of DEBTOR_NAMES) {
              expect((await credit.debtorCeilingOf(entity(d), currency)).outstanding, `${op}: owed by ${d}`).to.equal(
                owed.get(entity(d)) ?? 0n,
              );
            }
            // With enforcement on, exposure never rises above a line; it is above only after a cut.
            for (const lenderName of ["BANK_A", "BANK_B"]) {
              const lender = entity(lenderName);
              for (const d of DEBTOR_NAMES) {
                const k = key(lender, entity(d));
                const now = exposure.get(k) ?? 0n;
                const line = await credit.lineOf(lender, entity(d));
                if (now <= line.limit) cut.delete(k);
                if (!enforcedBefore.get(lender)) continue;
                if (now > (before.get(k) ?? 0n)) {
                  expect(line.limit, `${op}: ${lenderName} took more on ${d} without a line`).to.be.greaterThan(0n);
                  expect(now, `${op}: ${lenderName} above its line on ${d}`).to.be.at.most(line.limit);
                } else if (now > line.limit) {
                  expect(cut.has(k), `${op}: ${lenderName} above its line on ${d} with no cut`).to.equal(true);
                }
              }
            }
          }

          // The record equals the sums recomputed from the events.
          const face = new Map<bigint, bigint>();
          const debtorOf = new Map<bigint, string>();
          for (const log of await reg.queryFilter(reg.filters.InvoiceIssued())) {
            face.set(log.args.id, log.args.terms.faceValue);
            debtorOf.set(log.args.id, debtorEntityOf(log.args.debtor));
          }
          for (const log of await reg.queryFilter(reg.filters.InvoiceSplit())) {
            for (const child of log.args.childIds) debtorOf.set(child, debtorOf.get(log.args.parentId)!);
          }
          const sums = new Map<string, bigint[]>(); // accepted, count, onTime, onTimeN, late, lateN, defaulted, defaultedN
          const add = (d: string, i: number, v: bigint) => {
            const s = sums.get(d) ?? Array<bigint>(8).fill(0n);
            s[i] += v;
            sums.set(d, s);
          };
          for (const log of await reg.queryFilter(reg.filters.InvoiceAccepted())) {
            add(debtorOf.get(log.args.id)!, 0, face.get(log.args.id)!);
            add(debtorOf.get(log.args.id)!, 1, 1n);
          }
          for (const log of await reg.queryFilter(reg.filters.PaymentMade())) {
            const onTime = log.args.timing === 0n;
            add(debtorOf.get(log.args.id)!, onTime ? 2 : 4, log.args.amount);
            add(debtorOf.get(log.args.id)!, onTime ? 3 : 5, 1n);
          }
          for (const log of await reg.queryFilter(reg.filters.InvoiceDefaulted())) {
            add(debtorOf.get(log.args.id)!, 6, log.args.outstanding);
            add(debtorOf.get(log.args.id)!, 7, 1n);
          }
          const limits = new Map<string, bigint>();
          const lineLogs = [
            ...(await credit.queryFilter(credit.filters.LineSet())),
            ...(await credit.queryFilter(credit.filters.LineClosed())),
          ].sort((x, y) => x.blockNumber - y.blockNumber || x.index - y.index);
          for (const log of lineLogs) {
            const parsed = credit.interface.parseLog(log)!;
            const k = key(parsed.args.lender, parsed.args.counterparty);
            if (parsed.name === "LineSet") limits.set(k, parsed.args.limit);
            else limits.delete(k);
          }
          const fromEvents = new Map<string, bigint>();
          for (const log of await credit.queryFilter(credit.filters.ExposureChanged())) {
            const { fromEntityIndex: from, toEntityIndex: to, debtorEntityIndex: d, amount } = log.args;
            if (from !== 0n) fromEvents.set(`${from}:${d}`, (fromEvents.get(`${from}:${d}`) ?? 0n) - amount);
            if (to !== 0n) fromEvents.set(`${to}:${d}`, (fromEvents.get(`${to}:${d}`) ?? 0n) + amount);
          }
          const adverse = new Map<string, bigint[]>(); // total, disputed, upheld, struck
          const bump = (subject: string, i: number, v: bigint) => {
            const s = adverse.get(subject) ?? [0n, 0n, 0n, 0n];
            s[i] += v;
            adverse.set(subject, s);
          };
          for (const log of await credit.queryFilter(credit.filters.AdverseRecordFiled()))
            bump(log.args.subject, 0, 1n);
          for (const log of await credit.queryFilter(credit.filters.RecordDisputed())) bump(log.args.subject, 1, 1n);
          for (const log of await credit.queryFilter(credit.filters.RecordUpheld())) {
            bump(log.args.subject, 1, -1n);
            bump(log.args.subject, 2, 1n);
          }
          for (const log of await credit.queryFilter(credit.filters.RecordStruck())) {
            bump(log.args.subject, 1, -1n);
            bump(log.args.subject, 3, 1n);
          }
          for (const h of HOLDER_NAMES) {
            for (const d of DEBTOR_NAMES) {
              const hi = await f.identityRegistry.entityIndexOf(entity(h));
              const di = await f.identityRegistry.entityIndexOf(entity(d));
              expect(await credit.exposureIn(entity(h), entity(d), currency)).to.equal(
                fromEvents.get(`${hi}:${di}`) ?? 0n,
              );
            }
          }
          for (const d of DEBTOR_NAMES) {
            const rec = await credit.recordOf(entity(d));
            const [accepted, count, onTime, onTimeN, late, lateN, defaulted, defaultedN] =
              sums.get(entity(d)) ?? Array<bigint>(8).fill(0n);
            expect(rec.payment.acceptedValue).to.equal(accepted);
            expect(rec.payment.acceptedCount).to.equal(count);
            expect(rec.payment.paidOnTimeValue).to.equal(onTime);
            expect(rec.payment.paidOnTimeCount).to.equal(onTimeN);
            expect(rec.payment.paidLateValue).to.equal(late);
            expect(rec.payment.paidLateCount).to.equal(lateN);
            expect(rec.payment.defaultedValue).to.equal(defaulted);
            expect(rec.payment.defaultedCount).to.equal(defaultedN);
            expect(rec.payment.outstanding).to.equal(accepted - onTime - late);
            let lines = 0n;
            let limit = 0n;
            let used = 0n;
            for (const lenderName of ["BANK_A", "BANK_B"]) {
              const l = limits.get(key(entity(lenderName), entity(d)));
              if (l === undefined) continue;
              lines += 1n;
              limit += l;
              const li = await f.identityRegistry.entityIndexOf(entity(lenderName));
              const di = await f.identityRegistry.entityIndexOf(entity(d));
              used += fromEvents.get(`${li}:${di}`) ?? 0n;
            }
            expect([rec.linesReceived, rec.totalLimit, rec.totalUsed]).to.deep.equal([lines, limit, used]);
            const [total, disputed, upheld, struck] = adverse.get(entity(d)) ?? [0n, 0n, 0n, 0n];
            expect([rec.adverseRecords, rec.disputed, rec.upheld, rec.struck]).to.deep.equal([
              total,
              disputed,
              upheld,
              struck,
            ]);
          }
        },
      ),
      { seed: SEED, numRuns: NUM_RUNS },
    );
    // Not vacuous: with the full sample, financing and transfers were both allowed and refused by lines.
    if (NUM_RUNS >= DEFAULT_RUNS) {
      const table = [...stats.entries()].map(([k, s]) => `${k}: ${s.ok} ok / ${s.refused} refused`).join("; ");
      for (const kind of ["accept", "finance", "transfer", "split", "pay", "line.set", "enforce", "file"]) {
        expect(stats.get(kind)?.ok ?? 0, `no successful ${kind} (${table})`).to.be.greaterThan(0);
      }
      for (const kind of ["finance", "accept"]) {
        expect(stats.get(kind)?.refused ?? 0, `no refused ${kind} (${table})`).to.be.greaterThan(0);
      }
    }
  });
});

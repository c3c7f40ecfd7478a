// Corporate actions (issue 16): distributions (dividends, coupons) and redemption at maturity.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { type TokenInfo, formatAmount, resolveToken } from "./lib/assets";
import {
  type Actions,
  chainTime,
  ensureAllowance,
  loadActions,
  parseCash,
  parseDistributionId,
  parseHash,
  parseHolders,
  parseTime,
  perUnitAmount,
  readDistribution,
  readRedemption,
  requireAgent,
  sendOrSimulate,
} from "./lib/corporateActions";
import { labelAddress, loadLabels, withLabels } from "./lib/describe";
import { GovError } from "./lib/errors";
import { type CommonArgs, withKeys } from "./lib/options";
import { reporter } from "./lib/output";
import { parseAddress } from "./lib/parse";
import { resolveActor } from "./lib/actor";
import { type TaskSigner, resolveSigner } from "./lib/signer";
import { loadSystem } from "./lib/system";
import { oneLineErrors } from "./lib/tx";
import { ethers } from "ethers";
import fs from "node:fs";

interface ActionArgs extends CommonArgs {
  actions?: string;
  dryRun: boolean;
  json: boolean;
}

/** `--actions`, `--dry-run` and `--json` on top of the key options. */
function sender(name: string, description: string) {
  return withKeys(task(name, description))
    .addOptionalParam("actions", "The CorporateActions contract (default: the deployment's)")
    .addFlag("dryRun", "Check and simulate; send nothing")
    .addFlag("json", "Print the result as JSON");
}

async function open(args: ActionArgs, hre: HardhatRuntimeEnvironment) {
  const sys = await loadSystem(hre, args.deployment);
  const actions = await loadActions(sys, args.actions);
  // A dry run needs no key: it only reads and simulates, as the actor's address.
  const signer: TaskSigner = args.dryRun
    ? new ethers.VoidSigner((await resolveActor(hre, args, true)).address, hre.ethers.provider)
    : await resolveSigner(hre, args);
  return { actions, signer };
}

function done(
  out: ReturnType<typeof reporter>,
  what: string,
  sent: { dryRun: boolean; txHash?: string },
  extra: object,
) {
  out.line(sent.dryRun ? `${what}: would succeed (dry run, nothing sent)` : `${what}: sent in ${sent.txHash}`);
  return out.done({ ...extra, ...sent });
}

sender("action:announce", "Announces a distribution (dividend, coupon) and escrows its cash")
  .addParam("asset", "The security token (security-token or an address)")
  .addParam("cash", "The cash token paid out (cash-token or an address)")
  .addOptionalParam("perUnit", "Cash per whole unit of the asset (e.g. 2.50)")
  .addOptionalParam("total", "Instead of --per-unit: a total shared pro rata to record-time balances")
  .addOptionalParam("amount", "With --per-unit: the escrow (default: today's supply times the price)")
  .addParam("recordTime", "Holders at this time are entitled (unix seconds or ISO date)")
  .addParam("paymentStart", "Claims and payments from (unix seconds or ISO date)")
  .addParam("claimDeadline", "Claims and payments until (unix seconds or ISO date)")
  .addParam("noticeUri", "The corporate-action notice's URI")
  .addOptionalParam("noticeHash", "The notice's hash (0x + 64 hex)")
  .addOptionalParam("noticeFile", "Instead of --notice-hash: a file whose keccak256 is the notice hash")
  .setAction(
    async (
      args: ActionArgs & {
        asset: string;
        cash: string;
        perUnit?: string;
        total?: string;
        amount?: string;
        recordTime: string;
        paymentStart: string;
        claimDeadline: string;
        noticeUri: string;
        noticeHash?: string;
        noticeFile?: string;
      },
      hre,
    ) =>
      oneLineErrors(async () => {
        const out = reporter(args.json);
        if ((args.perUnit === undefined) === (args.total === undefined)) {
          throw new GovError("give exactly one of --per-unit and --total");
        }
        if (args.total !== undefined && args.amount !== undefined)
          throw new GovError("--amount goes with --per-unit only");
        if ((args.noticeHash === undefined) === (args.noticeFile === undefined)) {
          throw new GovError("give exactly one of --notice-hash and --notice-file");
        }
        if (args.noticeUri.trim() === "") throw new GovError("--notice-uri is empty");
        const noticeHash =
          args.noticeHash !== undefined
            ? parseHash(args.noticeHash, "--notice-hash")
            : ethers.keccak256(readFile(args.noticeFile as string));
        const recordTime = parseTime(args.recordTime, "--record-time");
        const paymentStart = parseTime(args.paymentStart, "--payment-start");
        const claimDeadline = parseTime(args.claimDeadline, "--claim-deadline");
        const { actions, signer } = await open(args, hre);
        const now = await chainTime(actions);
        if (recordTime <= now) throw new GovError(`--record-time must be after the chain's time ${now}`);
        if (paymentStart <= recordTime) throw new GovError("--payment-start must be after --record-time");
        if (claimDeadline <= paymentStart) throw new GovError("--claim-deadline must be after --payment-start");
        const asset = await resolveToken(actions.sys, args.asset, "--asset");
        const cash = await resolveToken(actions.sys, args.cash, "--cash");
        await requireAgent(actions, asset.address, signer);
        let perUnit = 0n;
        let amount: bigint;
        if (args.perUnit !== undefined) {
          perUnit = parseCash(args.perUnit, cash, "--per-unit");
          const needed = perUnitAmount(await asset.contract.totalSupply(), perUnit, asset.decimals);
          amount = args.amount !== undefined ? parseCash(args.amount, cash, "--amount") : needed;
          if (amount === 0n) throw new GovError(`${asset.symbol} has no supply: give --amount`);
          if (amount < needed) {
            throw new GovError(`--amount ${formatAmount(amount, cash)} is below today's ${formatAmount(needed, cash)}`);
          }
        } else {
          amount = parseCash(args.total, cash, "--total");
        }
        const approval = await ensureAllowance(actions, signer, cash, amount, args.dryRun);
        const terms = {
          asset: asset.address,
          cashToken: cash.address,
          amountPerUnit: perUnit,
          amount,
          recordTime,
          paymentStart,
          claimDeadline,
          noticeUri: args.noticeUri,
          noticeHash,
        };
        const id = ((await actions.contract.distributionCount()) as bigint) + 1n;
        const sent =
          args.dryRun && approval
            ? { dryRun: true }
            : await sendOrSimulate(actions, signer, actions.contract, "announce", [terms], "announce", args.dryRun);
        if (approval) out.line(`${args.dryRun ? "would approve" : "approved"} ${formatAmount(amount, cash)}`);
        out.line(
          `distribution ${id}: ${formatAmount(amount, cash)} escrowed for ${asset.symbol} holders at ${recordTime}`,
        );
        return done(out, "announce", sent, { id, amount, amountPerUnit: perUnit, noticeHash, approval });
      })(args),
  );

sender("action:fund", "Adds cash to a distribution's escrow (before its payment start) or to a redemption's")
  .addOptionalParam("id", "The distribution")
  .addOptionalParam("asset", "Instead of --id: the asset whose redemption to fund")
  .addParam("amount", "Cash to add")
  .setAction(async (args: ActionArgs & { id?: string; asset?: string; amount: string }, hre) =>
    oneLineErrors(async () => {
      const out = reporter(args.json);
      if ((args.id === undefined) === (args.asset === undefined))
        throw new GovError("give exactly one of --id and --asset");
      const id = args.id !== undefined ? parseDistributionId(args.id) : undefined;
      const { actions, signer } = await open(args, hre);
      let cash: TokenInfo;
      let assetAddress: string;
      if (id !== undefined) {
        const d = await readDistribution(actions, id);
        if ((await chainTime(actions)) >= d.paymentStart) {
          throw new GovError(`distribution ${id}: funding closed at its payment start ${d.paymentStart}`);
        }
        cash = d.cash;
        assetAddress = d.asset.address;
      } else {
        const asset = await resolveToken(actions.sys, args.asset, "--asset");
        cash = (await readRedemption(actions, asset)).cash;
        assetAddress = asset.address;
      }
      await requireAgent(actions, assetAddress, signer);
      const amount = parseCash(args.amount, cash, "--amount");
      const approval = await ensureAllowance(actions, signer, cash, amount, args.dryRun);
      const [fn, fnArgs] = id !== undefined ? ["fund", [id, amount]] : ["fundRedemption", [assetAddress, amount]];
      const sent =
        args.dryRun && approval
          ? { dryRun: true }
          : await sendOrSimulate(
              actions,
              signer,
              actions.contract,
              fn as string,
              fnArgs as unknown[],
              "fund",
              args.dryRun,
            );
      return done(out, `fund ${formatAmount(amount, cash)}`, sent, { amount, approval });
    })(args),
  );

sender("action:claim", "Claims a holder's entitlement (as the holder, or as the wallet it was recovered to)")
  .addParam("id", "The distribution")
  .addOptionalParam("holder", "The holder of record (default: the signer)")
  .setAction(async (args: ActionArgs & { id: string; holder?: string }, hre) =>
    oneLineErrors(async () => {
      const out = reporter(args.json);
      const id = parseDistributionId(args.id);
      const { actions, signer } = await open(args, hre);
      const holder = args.holder !== undefined ? parseAddress(args.holder, "--holder") : signer.address;
      const d = await readDistribution(actions, id);
      const now = await chainTime(actions);
      if (now < d.paymentStart) throw new GovError(`distribution ${id}: payments start at ${d.paymentStart}`);
      if (now > d.claimDeadline)
        throw new GovError(`distribution ${id}: the claim deadline ${d.claimDeadline} has passed`);
      if (await actions.contract.isPaid(id, holder))
        throw new GovError(`distribution ${id}: ${holder} was already paid`);
      const amount = (await actions.contract.entitlementOf(id, holder)) as bigint;
      if (amount === 0n) throw new GovError(`distribution ${id}: ${holder} is entitled to nothing`);
      const sent = await sendOrSimulate(actions, signer, actions.contract, "claim", [id, holder], "claim", args.dryRun);
      return done(out, `claim ${formatAmount(amount, d.cash)}`, sent, { id, holder, amount });
    })(args),
  );

sender("action:pay-batch", "Pays holders their entitlements (paying agent); those who cannot receive are skipped")
  .addParam("id", "The distribution")
  .addParam("holders", "Holders of record, comma-separated (at most 100)")
  .setAction(async (args: ActionArgs & { id: string; holders: string }, hre) =>
    oneLineErrors(async () => {
      const out = reporter(args.json);
      const id = parseDistributionId(args.id);
      const holders = parseHolders(args.holders);
      const { actions, signer } = await open(args, hre);
      const d = await readDistribution(actions, id);
      await requireAgent(actions, d.asset.address, signer);
      const sent = await sendOrSimulate(
        actions,
        signer,
        actions.contract,
        "payBatch",
        [id, holders],
        "pay-batch",
        args.dryRun,
      );
      return done(out, `pay-batch of ${holders.length}`, sent, { id, holders });
    })(args),
  );

sender("action:reclaim", "After the claim deadline (or a full redemption), takes back the unpaid escrow")
  .addOptionalParam("id", "The distribution")
  .addOptionalParam("asset", "Instead of --id: the asset whose redemption escrow to reclaim")
  .addParam("to", "Where the cash goes")
  .setAction(async (args: ActionArgs & { id?: string; asset?: string; to: string }, hre) =>
    oneLineErrors(async () => {
      const out = reporter(args.json);
      if ((args.id === undefined) === (args.asset === undefined))
        throw new GovError("give exactly one of --id and --asset");
      const to = parseAddress(args.to, "--to");
      const id = args.id !== undefined ? parseDistributionId(args.id) : undefined;
      const { actions, signer } = await open(args, hre);
      if (id !== undefined) {
        const d = await readDistribution(actions, id);
        await requireAgent(actions, d.asset.address, signer);
        if ((await chainTime(actions)) <= d.claimDeadline) {
          throw new GovError(`distribution ${id}: claims are open until ${d.claimDeadline}`);
        }
        if (d.reclaimed) throw new GovError(`distribution ${id} was already reclaimed`);
        const amount = d.funded - d.paid;
        const sent = await sendOrSimulate(
          actions,
          signer,
          actions.contract,
          "reclaim",
          [id, to],
          "reclaim",
          args.dryRun,
        );
        return done(out, `reclaim ${formatAmount(amount, d.cash)}`, sent, { id, to, amount });
      }
      const asset = await resolveToken(actions.sys, args.asset, "--asset");
      const r = await readRedemption(actions, asset);
      await requireAgent(actions, asset.address, signer);
      if (!r.completed) throw new GovError(`${asset.symbol} is not fully redeemed yet`);
      const amount = r.funded - r.paid;
      const sent = await sendOrSimulate(
        actions,
        signer,
        actions.contract,
        "reclaimRedemption",
        [asset.address, to],
        "reclaim",
        args.dryRun,
      );
      return done(out, `reclaim ${formatAmount(amount, r.cash)}`, sent, { asset: asset.address, to, amount });
    })(args),
  );

sender(
  "action:redeem",
  "Redeems units at maturity: opens a redemption (--open), redeems holders (--holders) or the signer",
)
  .addParam("asset", "The security token (security-token or an address)")
  .addFlag("open", "Open the redemption (paying agent): needs --cash, --per-unit and --maturity")
  .addOptionalParam("cash", "With --open: the cash token")
  .addOptionalParam("perUnit", "With --open: cash per whole unit")
  .addOptionalParam("maturity", "With --open: the maturity (unix seconds or ISO date), now or past")
  .addOptionalParam("amount", "With --open: the escrow (default: today's supply times the price)")
  .addOptionalParam("holders", "Paying agent: redeem these holders (comma-separated, at most 100)")
  .setAction(
    async (
      args: ActionArgs & {
        asset: string;
        open: boolean;
        cash?: string;
        perUnit?: string;
        maturity?: string;
        amount?: string;
        holders?: string;
      },
      hre,
    ) =>
      oneLineErrors(async () => {
        const out = reporter(args.json);
        if (args.open && args.holders !== undefined) throw new GovError("--open and --holders do not go together");
        const holders = args.holders !== undefined ? parseHolders(args.holders) : undefined;
        const maturity = args.open ? parseTime(args.maturity, "--maturity") : undefined;
        if (args.open && (args.cash === undefined || args.perUnit === undefined)) {
          throw new GovError("--open needs --cash, --per-unit and --maturity");
        }
        const { actions, signer } = await open(args, hre);
        const asset = await resolveToken(actions.sys, args.asset, "--asset");
        if (maturity !== undefined) return openRedemption(actions, signer, asset, args, maturity, out);
        const r = await readRedemption(actions, asset);
        if (holders !== undefined) {
          await requireAgent(actions, asset.address, signer);
          const sent = await sendOrSimulate(
            actions,
            signer,
            actions.contract,
            "redeemBatch",
            [asset.address, holders],
            "redeem",
            args.dryRun,
          );
          return done(out, `redeem ${holders.length} holder(s)`, sent, { asset: asset.address, holders });
        }
        const units = (await asset.contract.balanceOf(signer.address)) as bigint;
        if (units === 0n) throw new GovError(`${signer.address} holds no ${asset.symbol}`);
        const amount = perUnitAmount(units, r.amountPerUnit, asset.decimals);
        const sent = await sendOrSimulate(
          actions,
          signer,
          actions.contract,
          "redeem",
          [asset.address],
          "redeem",
          args.dryRun,
        );
        return done(out, `redeem ${formatAmount(units, asset)} for ${formatAmount(amount, r.cash)}`, sent, {
          asset: asset.address,
          units,
          amount,
        });
      })(args),
  );

async function openRedemption(
  actions: Actions,
  signer: Awaited<ReturnType<typeof resolveSigner>>,
  asset: TokenInfo,
  args: ActionArgs & { cash?: string; perUnit?: string; amount?: string },
  maturity: bigint,
  out: ReturnType<typeof reporter>,
) {
  const now = await chainTime(actions);
  if (maturity > now) throw new GovError(`--maturity ${maturity} is after the chain's time ${now}: not matured`);
  await requireAgent(actions, asset.address, signer);
  const cash = await resolveToken(actions.sys, args.cash, "--cash");
  const perUnit = parseCash(args.perUnit, cash, "--per-unit");
  const needed = perUnitAmount(await asset.contract.totalSupply(), perUnit, asset.decimals);
  const amount = args.amount !== undefined ? parseCash(args.amount, cash, "--amount") : needed;
  if (amount === 0n) throw new GovError(`${asset.symbol} has no supply: give --amount`);
  if (amount < needed)
    throw new GovError(`--amount ${formatAmount(amount, cash)} is below ${formatAmount(needed, cash)}`);
  const approval = await ensureAllowance(actions, signer, cash, amount, args.dryRun);
  const sent =
    args.dryRun && approval
      ? { dryRun: true }
      : await sendOrSimulate(
          actions,
          signer,
          actions.contract,
          "openRedemption",
          [asset.address, cash.address, perUnit, maturity, amount],
          "open redemption",
          args.dryRun,
        );
  return done(out, `open redemption escrowing ${formatAmount(amount, cash)}`, sent, {
    amount,
    amountPerUnit: perUnit,
    approval,
  });
}

withKeys(task("action:show", "Shows a distribution (entitlements, claimed, unclaimed) or an asset's redemption"))
  .addOptionalParam("actions", "The CorporateActions contract (default: the deployment's)")
  .addOptionalParam("id", "The distribution")
  .addOptionalParam("asset", "Instead of --id: the asset whose redemption to show")
  .addOptionalParam("holders", "With --id: holders whose entitlement to show (comma-separated)")
  .addFlag("json", "Print the result as JSON")
  .setAction(
    async (
      args: CommonArgs & { actions?: string; id?: string; asset?: string; holders?: string; json: boolean },
      hre,
    ) =>
      oneLineErrors(async () => {
        const out = reporter(args.json);
        if ((args.id === undefined) === (args.asset === undefined))
          throw new GovError("give exactly one of --id and --asset");
        const id = args.id !== undefined ? parseDistributionId(args.id) : undefined;
        const holders = args.holders !== undefined ? parseHolders(args.holders) : [];
        const sys = await loadSystem(hre, args.deployment);
        const actions = await loadActions(sys, args.actions);
        if (id === undefined) {
          const asset = await resolveToken(actions.sys, args.asset, "--asset");
          const r = await readRedemption(actions, asset);
          const supply = (await asset.contract.totalSupply()) as bigint;
          out.line(`redemption of ${asset.symbol} ${asset.address}: ${formatAmount(r.amountPerUnit, r.cash)} per unit`);
          out.line(
            `  maturity ${r.maturity}; funded ${formatAmount(r.funded, r.cash)}, paid ${formatAmount(r.paid, r.cash)}`,
          );
          out.line(`  outstanding ${formatAmount(supply, asset)}; ${r.completed ? "fully redeemed" : "open"}`);
          return out.done({
            asset: asset.address,
            cashToken: r.cash.address,
            maturity: r.maturity,
            amountPerUnit: r.amountPerUnit,
            funded: r.funded,
            paid: r.paid,
            outstanding: supply,
            completed: r.completed,
            reclaimed: r.reclaimed,
          });
        }
        const d = await readDistribution(actions, id);
        const now = await chainTime(actions);
        const recordPassed = now > d.recordTime;
        const rows = [];
        for (const holder of holders) {
          const entitlement = recordPassed ? ((await actions.contract.entitlementOf(id, holder)) as bigint) : undefined;
          const paid = (await actions.contract.isPaid(id, holder)) as boolean;
          const payee = (await actions.contract.payeeOf(d.asset.address, holder)) as string;
          rows.push({ holder, entitlement, paid, payee });
        }
        const labels = await loadLabels(sys);
        const unclaimed = d.reclaimed ? 0n : d.funded - d.paid;
        const basis = d.amountPerUnit === 0n ? "pro rata" : `${formatAmount(d.amountPerUnit, d.cash)} per unit`;
        out.line(`distribution ${id} on ${d.asset.symbol} ${d.asset.address}: ${basis}`);
        out.line(`  record time ${d.recordTime}, payment ${d.paymentStart} to ${d.claimDeadline}`);
        out.line(`  notice ${d.noticeUri} (${d.noticeHash})`);
        out.line(
          `  funded ${formatAmount(d.funded, d.cash)}, claimed ${formatAmount(d.paid, d.cash)}, unclaimed ${formatAmount(unclaimed, d.cash)}${d.reclaimed ? " (reclaimed)" : ""}`,
        );
        for (const row of rows) {
          const due = row.entitlement === undefined ? "record time not passed" : formatAmount(row.entitlement, d.cash);
          out.line(
            `  ${labelAddress(labels, row.holder)}: ${due}${row.paid ? ", paid" : ""}` +
              `${row.payee !== row.holder ? ` (payee ${labelAddress(labels, row.payee)})` : ""}`,
          );
        }
        return out.done({
          id,
          asset: d.asset.address,
          cashToken: d.cash.address,
          amountPerUnit: d.amountPerUnit,
          recordTime: d.recordTime,
          paymentStart: d.paymentStart,
          claimDeadline: d.claimDeadline,
          noticeUri: d.noticeUri,
          noticeHash: d.noticeHash,
          funded: d.funded,
          claimed: d.paid,
          unclaimed,
          reclaimed: d.reclaimed,
          holders: rows.map((row) => withLabels(labels, row, "holder", "payee")),
        });
      })(args),
  );

function readFile(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch {
    throw new GovError(`--notice-file: cannot read ${file}`);
  }
}

// Credit services' command line: credit lines, exposure, the shared credit record, adverse records.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  ADVERSE_KINDS,
  creditShow,
  creditShowLines,
  entityLabel,
  exposureView,
  labelCreditShow,
  labelExposure,
  lineText,
  parseAmount,
  parseExpiry,
  parseHash,
  parseKind,
  parseRecordId,
  requireCredit,
  resolveCurrency,
  resolveEntity,
  sendCredit,
} from "./lib/credit";
import { parseTime } from "./lib/corporateActions";
import { formatAmount, latestTime } from "./lib/assets";
import { formatTime, loadLabels } from "./lib/describe";
import { GovError } from "./lib/errors";
import { type CommonArgs, withDeployment, withKeys } from "./lib/options";
import { reporter, withJson } from "./lib/output";
import { resolveSigner } from "./lib/signer";
import { type System, loadSystem } from "./lib/system";
import { oneLineErrors } from "./lib/tx";

interface SendArgs extends CommonArgs {
  dryRun: boolean;
  json: boolean;
}

/** A task that sends: key options, `--dry-run` and `--json`. */
function sender(name: string, description: string) {
  return withJson(withKeys(task(name, description))).addFlag("dryRun", "Check and simulate; send nothing");
}

async function open(args: SendArgs, hre: HardhatRuntimeEnvironment): Promise<System> {
  const sys = await loadSystem(hre, args.deployment);
  requireCredit(sys);
  return sys;
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

const LINE_ACTIONS = ["grant", "change", "close", "enforce", "relax"] as const;

sender(
  "credit:line",
  "A credit officer grants, changes or closes its entity's line to a counterparty, or switches line enforcement " +
    "(enforce: receivables beyond the lines are refused; relax: lines are advisory)",
)
  .addPositionalParam("action", `One of ${LINE_ACTIONS.join(", ")}`)
  .addOptionalPositionalParam("counterparty", "The counterparty entity: its name or 0x id (not for enforce/relax)")
  .addOptionalParam("limit", "The line's limit in its currency (grant; change)")
  .addOptionalParam("expiry", "When the line expires: unix seconds, an ISO date, or days from now (365d)")
  .addOptionalParam("currency", "The line's cash token (address or cash-token; default the registry's base currency)")
  .setAction(
    async (
      args: SendArgs & { action: string; counterparty?: string; limit?: string; expiry?: string; currency?: string },
      hre,
    ) =>
      oneLineErrors(async () => {
        const out = reporter(args.json);
        const action = String(args.action).toLowerCase();
        if (!(LINE_ACTIONS as readonly string[]).includes(action)) {
          throw new GovError(`action: "${args.action}" is not one of ${LINE_ACTIONS.join(", ")}`);
        }
        const sys = await open(args, hre);
        const credit = requireCredit(sys);
        const signer = await resolveSigner(hre, args);
        const lender = (await sys.contracts["identity-registry"]!.entityOf(signer.address)) as string;
        if (!(await credit.isCreditOfficer(signer.address, lender))) {
          throw new GovError(
            `${signer.address} is not a verified credit officer of its entity (it needs the CREDIT_OFFICER attribute)`,
          );
        }
        if (action === "enforce" || action === "relax") {
          const on = action === "enforce";
          if (((await credit.isEnforced(lender)) as boolean) === on) {
            throw new GovError(`line enforcement of ${entityLabel(lender)} is already ${on ? "on" : "off"}`);
          }
          const sent = await sendCredit(sys, signer, "setEnforcement", [on], `${action} lines`, args.dryRun);
          return done(out, `line enforcement ${on ? "on" : "off"} for ${entityLabel(lender)}`, sent, {
            lender,
            enforced: on,
          });
        }
        if (args.counterparty === undefined) throw new GovError(`credit:line ${action}: give the counterparty entity`);
        const cp = await resolveEntity(sys, args.counterparty, "counterparty");
        const current = (await credit.lineOf(lender, cp.id)) as { currency: string; limit: bigint; expiry: bigint };
        if (action === "close") {
          if (current.limit === 0n) throw new GovError(`${entityLabel(lender)} has no line to ${cp.label}`);
          const sent = await sendCredit(
            sys,
            signer,
            "closeLine",
            [cp.id],
            `close the line to ${cp.label}`,
            args.dryRun,
          );
          return done(out, `line from ${entityLabel(lender)} to ${cp.label} closed`, sent, {
            lender,
            counterparty: cp.id,
          });
        }
        if (action === "grant" && current.limit !== 0n) {
          throw new GovError(`${entityLabel(lender)} already has a line to ${cp.label}: use change`);
        }
        if (action === "change" && current.limit === 0n) {
          throw new GovError(`${entityLabel(lender)} has no line to ${cp.label}: use grant`);
        }
        const token =
          action === "change" && args.currency === undefined
            ? await resolveCurrency(sys, current.currency)
            : await resolveCurrency(sys, args.currency);
        if (action === "change" && token.address.toLowerCase() !== current.currency.toLowerCase()) {
          throw new GovError(`the line is in ${current.currency}: close it and grant a new one to change currency`);
        }
        if (action === "grant" && (args.limit === undefined || args.expiry === undefined)) {
          throw new GovError("credit:line grant: give --limit and --expiry");
        }
        if (args.limit === undefined && args.expiry === undefined) {
          throw new GovError("credit:line change: give --limit, --expiry or both");
        }
        const limit =
          args.limit !== undefined ? parseAmount(args.limit, token, "--limit", 1n, 2n ** 128n - 1n) : current.limit;
        const now = await latestTime(sys);
        const expiry = args.expiry !== undefined ? parseExpiry(args.expiry, now) : current.expiry;
        if (expiry <= now) throw new GovError(`the line expired ${formatTime(expiry)}: give a new --expiry`);
        const exposure = (await credit.exposureIn(lender, cp.id, token.address)) as bigint;
        const what = `${action} the line to ${cp.label}`;
        const sent = await sendCredit(sys, signer, "setLine", [cp.id, token.address, limit, expiry], what, args.dryRun);
        const word =
          action === "grant" ? "granted" : limit > current.limit ? "raised" : limit < current.limit ? "cut" : "changed";
        out.line(
          `line from ${entityLabel(lender)} to ${cp.label}: ${word} to ${formatAmount(limit, token)} until ` +
            `${formatTime(expiry)}; exposure now ${formatAmount(exposure, token)}` +
            (exposure > limit ? " (above the new limit: nothing new is taken until it falls below)" : ""),
        );
        return done(out, what, sent, {
          lender,
          counterparty: cp.id,
          currency: token.address,
          limit,
          expiry,
          exposure,
        });
      })(args),
  );

withJson(
  withDeployment(
    task(
      "credit:show",
      "Shows an entity's shared credit record: payments as a debtor, lines granted and received, exposures, " +
        "adverse records and disputes, in words",
    )
      .addPositionalParam("entity", "The entity: its name or 0x id")
      .addOptionalParam("currency", "The currency of the record (address or cash-token; default the base currency)"),
  ),
).setAction(async (args: CommonArgs & { json?: boolean; entity: string; currency?: string }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const sys = await loadSystem(hre, args.deployment);
    requireCredit(sys);
    const labels = await loadLabels(sys);
    const entity = await resolveEntity(sys, args.entity, "entity", labels);
    const shown = await creditShow(sys, entity, args.currency);
    for (const line of creditShowLines(shown, entity.label, labels)) out.line(line);
    return out.done(labelCreditShow(labels, shown));
  })(args),
);

withJson(
  withDeployment(
    task("credit:exposure", "Shows a lender entity's exposure to a debtor entity, its line and its headroom")
      .addPositionalParam("lender", "The lender (holder) entity: its name or 0x id")
      .addPositionalParam("debtor", "The debtor entity: its name or 0x id"),
  ),
).setAction(async (args: CommonArgs & { json?: boolean; lender: string; debtor: string }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const sys = await loadSystem(hre, args.deployment);
    requireCredit(sys);
    const labels = await loadLabels(sys);
    const lender = await resolveEntity(sys, args.lender, "lender", labels);
    const debtor = await resolveEntity(sys, args.debtor, "debtor", labels);
    const view = await exposureView(sys, lender, debtor);
    out.line(`${lender.label} holds ${view.exposure} of receivables on ${debtor.label}`);
    out.line(
      view.line
        ? `  line ${lineText(view.line, "granted", labels)}`
        : "  no credit line" + (view.enforced ? ": with enforcement on, it can take nothing more on this debtor" : ""),
    );
    out.line(`  line enforcement: ${view.enforced ? "on (beyond the line is refused)" : "off (lines are advisory)"}`);
    return out.done(labelExposure(labels, view));
  })(args),
);

sender("credit:report", "A reporter files an adverse record about an entity (kind, amount, date, evidence hash)")
  .addPositionalParam("subject", "The entity the record is about: its name or 0x id")
  .addPositionalParam("kind", `One of ${ADVERSE_KINDS.join(", ")}`)
  .addPositionalParam("evidence", "The evidence's hash (0x and 64 hex digits), kept off chain")
  .addOptionalParam("amount", "The amount involved, in --currency (default 0)")
  .addOptionalParam("currency", "The amount's cash token (address or cash-token; default the base currency)")
  .addOptionalParam("date", "When it happened: unix seconds or an ISO date (default now)")
  .setAction(
    async (
      args: SendArgs & {
        subject: string;
        kind: string;
        evidence: string;
        amount?: string;
        currency?: string;
        date?: string;
      },
      hre,
    ) =>
      oneLineErrors(async () => {
        const out = reporter(args.json);
        const kind = parseKind(args.kind);
        const evidence = parseHash(args.evidence, "evidence");
        const sys = await open(args, hre);
        const subject = await resolveEntity(sys, args.subject, "subject");
        const token = await resolveCurrency(sys, args.currency);
        const amount = args.amount !== undefined ? parseAmount(args.amount, token, "--amount", 0n) : 0n;
        const now = await latestTime(sys);
        const date = args.date !== undefined ? parseTime(args.date, "--date") : now;
        if (date > now) throw new GovError(`--date ${formatTime(date)} is in the future`);
        const signer = await resolveSigner(hre, args);
        const credit = requireCredit(sys);
        if (!(await credit.hasRole(await credit.REPORTER_ROLE(), signer.address))) {
          throw new GovError(`${signer.address} is not a reporter (REPORTER_ROLE, appointed by governance)`);
        }
        const currency = amount === 0n ? "0x0000000000000000000000000000000000000000" : token.address;
        const what = `file a ${ADVERSE_KINDS[kind]} record about ${subject.label}`;
        const sent = await sendCredit(
          sys,
          signer,
          "fileAdverseRecord",
          [subject.id, kind, currency, amount, date, evidence],
          what,
          args.dryRun,
        );
        const id = sent.dryRun ? undefined : ((await credit.adverseRecordCount()) as bigint);
        if (id !== undefined) out.line(`adverse record #${id} filed`);
        return done(out, what, sent, { id, subject: subject.id, kind: ADVERSE_KINDS[kind], amount, date });
      })(args),
  );

sender("credit:dispute", "The subject entity disputes an adverse record about it, with its own evidence hash")
  .addPositionalParam("record", "The adverse record's number")
  .addPositionalParam("evidence", "The subject's evidence hash (0x and 64 hex digits), kept off chain")
  .setAction(async (args: SendArgs & { record: string; evidence: string }, hre) =>
    oneLineErrors(async () => {
      const out = reporter(args.json);
      const evidence = parseHash(args.evidence, "evidence");
      const sys = await open(args, hre);
      const id = await parseRecordId(sys, args.record);
      const credit = requireCredit(sys);
      const record = (await credit.adverseRecord(id)) as { subject: string; status: bigint };
      if (record.status !== 1n) throw new GovError(`record ${id} is not open to dispute (only a filed record is)`);
      const signer = await resolveSigner(hre, args);
      const own = (await sys.contracts["identity-registry"]!.entityOf(signer.address)) as string;
      if (own.toLowerCase() !== record.subject.toLowerCase()) {
        throw new GovError(`${signer.address} is not a wallet of the record's subject ${entityLabel(record.subject)}`);
      }
      const sent = await sendCredit(sys, signer, "disputeRecord", [id, evidence], `dispute record ${id}`, args.dryRun);
      return done(out, `dispute of record #${id}`, sent, { id, evidence });
    })(args),
  );

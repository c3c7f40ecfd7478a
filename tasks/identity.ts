// The registrars' command line: participants (KYC records) of the identity registry.
import { task } from "hardhat/config";
import { latestTime } from "./lib/assets";
import { type SendArgs, outcomeLine, perform, resolveActor, withSend } from "./lib/actor";
import { parseRows, readCsv, rowProblemsError } from "./lib/csv";
import { formatTime, labelAddress, loadLabels } from "./lib/describe";
import { GovError } from "./lib/errors";
import {
  IMPORT_COLUMNS,
  type ImportAction,
  type ImportRow,
  attributeNames,
  checkImportRows,
  identityLines,
  identityRegistryOf,
  importCall,
  parseAttributes,
  parseCountry,
  parseEntity,
  parseExpiry,
  parseImportRow,
  parseWallet,
  readIdentity,
} from "./lib/identity";
import { withDeployment } from "./lib/options";
import { reporter, withJson } from "./lib/output";
import { parseWhole } from "./lib/parse";
import { loadSystem } from "./lib/system";
import { oneLineErrors } from "./lib/tx";

interface RecordArgs extends SendArgs {
  wallet: string;
  entity?: string;
  country?: string;
  expiry?: string;
  attributes?: string;
  json: boolean;
}

const ATTRIBUTES_HELP =
  "Attributes: investor, qualified-investor, supplier, financier, debtor, credit-officer joined by +, or none";
const EXPIRY_HELP =
  "KYC expiry: a duration from the chain's time (365d) or a date with its zone (2027-06-30T00:00:00Z)";

withJson(
  withSend(
    task("identity:register", "Registers a wallet of a legal entity (registrar)")
      .addPositionalParam("wallet", "The participant's wallet")
      .addParam("entity", "The legal entity: a 0x 32-byte id, or the name its id is hashed from")
      .addParam("country", "ISO 3166-1 numeric code (156) or alpha-2 code (CN)")
      .addParam("expiry", EXPIRY_HELP)
      .addOptionalParam("attributes", ATTRIBUTES_HELP, "none"),
  ),
).setAction(async (args: RecordArgs, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const wallet = parseWallet(args.wallet, "wallet");
    const entityId = parseEntity(args.entity, "--entity");
    const country = parseCountry(args.country, "--country");
    const attributes = parseAttributes(args.attributes, "--attributes");
    const sys = await loadSystem(hre, args.deployment);
    const expiry = parseExpiry(args.expiry, await latestTime(sys), "--expiry");
    const labels = await loadLabels(sys);
    const actor = await resolveActor(hre, args, args.dryRun);
    out.line(
      `Register ${labelAddress(labels, wallet)} for entity ${entityId}: country ${country}, KYC until ${formatTime(expiry)}, ` +
        `attributes ${attributeNames(attributes).join(", ") || "none"} (registrar ${labelAddress(labels, actor.address)}).`,
    );
    const outcome = await perform(
      sys,
      labels,
      actor,
      identityRegistryOf(sys),
      "registerIdentity",
      [wallet, entityId, country, expiry, attributes],
      "the registration",
      args.dryRun,
    );
    out.line(outcomeLine(outcome));
    return out.done({ ...outcome, wallet, entityId, country, expiry, attributes: attributeNames(attributes) });
  })(args),
);

withJson(
  withSend(
    task("identity:update", "Changes a registered wallet's country, KYC expiry or attributes (registrar); others kept")
      .addPositionalParam("wallet", "The participant's wallet")
      .addOptionalParam("country", "New country: ISO 3166-1 numeric code (156) or alpha-2 code (CN)")
      .addOptionalParam("expiry", EXPIRY_HELP)
      .addOptionalParam("attributes", ATTRIBUTES_HELP),
  ),
).setAction(async (args: RecordArgs, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const wallet = parseWallet(args.wallet, "wallet");
    if (args.country === undefined && args.expiry === undefined && args.attributes === undefined) {
      throw new GovError("nothing to change: give --country, --expiry or --attributes");
    }
    const givenCountry = args.country !== undefined ? parseCountry(args.country, "--country") : undefined;
    const givenAttributes =
      args.attributes !== undefined ? parseAttributes(args.attributes, "--attributes") : undefined;
    const sys = await loadSystem(hre, args.deployment);
    const givenExpiry =
      args.expiry !== undefined ? parseExpiry(args.expiry, await latestTime(sys), "--expiry") : undefined;
    const labels = await loadLabels(sys);
    const registry = identityRegistryOf(sys);
    if (!(await registry.contains(wallet))) {
      throw new GovError(`${labelAddress(labels, wallet)} is not registered: use identity:register`);
    }
    const current = await registry.identityOf(wallet);
    const country = givenCountry ?? Number(current.country);
    const expiry = givenExpiry ?? current.expiry;
    const attributes = givenAttributes ?? Number(current.attributes);
    const actor = await resolveActor(hre, args, args.dryRun);
    out.line(
      `Update ${labelAddress(labels, wallet)}: country ${current.country} -> ${country}, KYC until ` +
        `${formatTime(current.expiry)} -> ${formatTime(expiry)}, attributes ` +
        `${attributeNames(current.attributes).join(", ") || "none"} -> ${attributeNames(attributes).join(", ") || "none"}.`,
    );
    const outcome = await perform(
      sys,
      labels,
      actor,
      registry,
      "updateIdentity",
      [wallet, country, expiry, attributes],
      "the update",
      args.dryRun,
    );
    out.line(outcomeLine(outcome));
    return out.done({ ...outcome, wallet, country, expiry, attributes: attributeNames(attributes) });
  })(args),
);

withJson(
  withSend(
    task(
      "identity:remove",
      "Removes a wallet from the registry (registrar); it stays bound to its entity",
    ).addPositionalParam("wallet", "The participant's wallet"),
  ),
).setAction(async (args: RecordArgs, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const wallet = parseWallet(args.wallet, "wallet");
    const sys = await loadSystem(hre, args.deployment);
    const labels = await loadLabels(sys);
    const registry = identityRegistryOf(sys);
    if (!(await registry.contains(wallet))) throw new GovError(`${labelAddress(labels, wallet)} is not registered`);
    const actor = await resolveActor(hre, args, args.dryRun);
    out.line(`Remove ${labelAddress(labels, wallet)} (entity ${await registry.entityOf(wallet)}) from the registry.`);
    const outcome = await perform(sys, labels, actor, registry, "removeIdentity", [wallet], "the removal", args.dryRun);
    out.line(outcomeLine(outcome));
    return out.done({ ...outcome, wallet });
  })(args),
);

withJson(
  withDeployment(
    task("identity:show", "Shows a wallet's record in the identity registry (read-only)").addPositionalParam(
      "wallet",
      "The participant's wallet",
    ),
  ),
).setAction(async (args: { wallet: string; deployment?: string; json: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const wallet = parseWallet(args.wallet, "wallet");
    const sys = await loadSystem(hre, args.deployment);
    const view = await readIdentity(sys, await loadLabels(sys), wallet);
    for (const line of identityLines(view)) out.line(line);
    return out.done(view);
  })(args),
);

withJson(
  withSend(
    task(
      "identity:import",
      "Registers, updates or removes participants from a CSV file (registrar): every row is checked first, nothing is sent unless all are valid",
    )
      .addPositionalParam(
        "csv",
        "CSV with a header: wallet,action,entity,country,expiry,attributes (action: register|update|remove)",
      )
      .addOptionalParam("batchSize", "Rows per transaction", "50"),
  ),
).setAction(async (args: SendArgs & { csv: string; batchSize: string; json: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const batchSize = Number(parseWhole(args.batchSize, "--batch-size", 1n, 500n));
    const csvRows = readCsv(args.csv, IMPORT_COLUMNS.required, IMPORT_COLUMNS.optional);
    const sys = await loadSystem(hre, args.deployment);
    const now = await latestTime(sys);
    const rows = parseRows(csvRows, (row) => parseImportRow(row, now));
    const problems = await checkImportRows(sys, rows);
    if (problems.length > 0) throw rowProblemsError(problems);
    const labels = await loadLabels(sys);
    const actor = await resolveActor(hre, args, args.dryRun);
    const report: (Omit<ImportRow, "attributes"> & {
      attributes: string[] | null;
      result: string;
      transactionHash?: string;
    })[] = [];
    const batches = [];
    for (const action of ["register", "update", "remove"] as ImportAction[]) {
      const group = rows.filter((r) => r.action === action);
      for (let start = 0; start < group.length; start += batchSize) {
        const batch = group.slice(start, start + batchSize);
        const { fn, args: callArgs } = await importCall(sys, action, batch);
        const what = `the ${action} batch of lines ${batch.map((r) => r.line).join(", ")}`;
        const outcome = await perform(sys, labels, actor, identityRegistryOf(sys), fn, callArgs, what, args.dryRun);
        batches.push({ action, lines: batch.map((r) => r.line), ...outcome });
        const done = { register: "registered", update: "updated", remove: "removed" }[action];
        for (const r of batch) {
          const result = args.dryRun ? `would be ${done}` : done;
          report.push({
            ...r,
            attributes: r.attributes === null ? null : attributeNames(r.attributes),
            result,
            transactionHash: outcome.transactionHash,
          });
        }
      }
    }
    report.sort((a, b) => a.line - b.line);
    for (const r of report) {
      out.line(
        `  line ${r.line}: ${labelAddress(labels, r.wallet)} ${r.result}${r.transactionHash ? ` (${r.transactionHash})` : ""}`,
      );
    }
    out.line(
      args.dryRun
        ? `Dry run: all ${rows.length} row(s) are valid and the ${batches.length} transaction(s) would succeed; nothing was sent.`
        : `${rows.length} row(s) done in ${batches.length} transaction(s).`,
    );
    return out.done({ dryRun: args.dryRun, rows: report, batches });
  })(args),
);

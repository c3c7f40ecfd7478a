// The token operators' command line, by duty (supply, freeze, forced transfer, recovery, documents,
// compliance), the holders' approvals and the guardian's pause.
import { ethers } from "ethers";
import { task } from "hardhat/config";
import { type TokenInfo, formatAmount, latestTime, parseAmount } from "./lib/assets";
import { type SendArgs, operate, outcomeLine, perform, resolveActor, withSend } from "./lib/actor";
import { type RowProblem, parseRows, readCsv, rowProblemsError } from "./lib/csv";
import { type Labels, formatTime, labelAddress, labelOf, loadLabels, withLabels } from "./lib/describe";
import { GovError } from "./lib/errors";
import { attributeNames, identityRegistryOf, parseAttributes, parseCountry, parseWallet } from "./lib/identity";
import { withDeployment } from "./lib/options";
import { reporter, withJson } from "./lib/output";
import { parseAddress, parseWhole } from "./lib/parse";
import {
  MINT_COLUMNS,
  type TokenRules,
  type MintRow,
  documentHash,
  documentNameText,
  mintLine,
  parseDocumentName,
  parseMintRow,
  parseTime,
  pausableContract,
  readRules,
  readWallet,
  rulesLines,
  spenderArg,
  tokenArg,
} from "./lib/tokenOps";
import { type System, loadSystem, roleHash } from "./lib/system";
import { oneLineErrors } from "./lib/tx";
import { describeReference, parseReference } from "./lib/trade";

interface TokenArgs extends SendArgs {
  token?: string;
  json: boolean;
}

/** A token operation task: --token, --json and the sending options. */
function tokenTask(name: string, description: string) {
  return withJson(
    withSend(
      task(name, description).addOptionalParam("token", "security-token (default), cash-token or a token address"),
    ),
  );
}

const REASON_HELP =
  "Reference recorded with it (court order, request id): text of up to 31 bytes, or a 0x 32-byte value";

tokenTask("token:mint", "Issues tokens to a verified wallet (SUPPLY_ROLE)")
  .addPositionalParam("to", "The receiving wallet")
  .addPositionalParam("amount", "The amount, in the token's units (e.g. 1000 or 2500.50)")
  .setAction(async (args: TokenArgs & { to: string; amount: string }, hre) =>
    oneLineErrors(async () => {
      const to = parseWallet(args.to, "to");
      return operate(hre, args, async ({ sys, labels }) => {
        const t = await tokenArg(sys, args.token);
        const amount = parseAmount(args.amount, t, "amount");
        return {
          line: `Mint ${formatAmount(amount, t)} to ${labelAddress(labels, to)}.`,
          contract: t.contract,
          fn: "mint",
          args: [to, amount],
          what: "the mint",
          result: { token: t.address, to, amount },
        };
      });
    })(args),
  );

tokenTask("token:burn", "Burns tokens from a wallet (SUPPLY_ROLE); unlocked tokens go first")
  .addPositionalParam("wallet", "The wallet to burn from")
  .addPositionalParam("amount", "The amount, in the token's units")
  .setAction(async (args: TokenArgs & { wallet: string; amount: string }, hre) =>
    oneLineErrors(async () => {
      const wallet = parseAddress(args.wallet, "wallet");
      return operate(hre, args, async ({ sys, labels }) => {
        const t = await tokenArg(sys, args.token);
        const amount = parseAmount(args.amount, t, "amount");
        return {
          line: `Burn ${formatAmount(amount, t)} from ${labelAddress(labels, wallet)}.`,
          contract: t.contract,
          fn: "burn",
          args: [wallet, amount],
          what: "the burn",
          result: { token: t.address, wallet, amount },
        };
      });
    })(args),
  );

tokenTask("token:lock", "Issues tokens under a lock-up until a release time (mintLocked, SUPPLY_ROLE)")
  .addPositionalParam("to", "The receiving wallet")
  .addPositionalParam("amount", "The amount, in the token's units")
  .addParam("release", "Release time: a duration from the chain's time (180d) or a date with its zone")
  .setAction(async (args: TokenArgs & { to: string; amount: string; release: string }, hre) =>
    oneLineErrors(async () => {
      const to = parseWallet(args.to, "to");
      return operate(hre, args, async ({ sys, labels, now }) => {
        const t = await tokenArg(sys, args.token);
        const amount = parseAmount(args.amount, t, "amount");
        const release = parseTime(args.release, now, "--release");
        return {
          line: `Mint ${formatAmount(amount, t)} to ${labelAddress(labels, to)}, locked until ${formatTime(release)}.`,
          contract: t.contract,
          fn: "mintLocked",
          args: [to, amount, release],
          what: "the locked mint",
          result: { token: t.address, to, amount, release },
        };
      });
    })(args),
  );

for (const freeze of [true, false]) {
  const name = freeze ? "token:freeze" : "token:unfreeze";
  tokenTask(
    name,
    freeze
      ? "Freezes a whole wallet, or with --amount part of its tokens (FREEZE_ROLE)"
      : "Unfreezes a whole wallet, or with --amount part of its frozen tokens (FREEZE_ROLE)",
  )
    .addPositionalParam("wallet", "The wallet")
    .addOptionalParam("amount", "Only this amount of tokens (partial); default: the whole wallet")
    .addOptionalParam("reason", REASON_HELP)
    .setAction(async (args: TokenArgs & { wallet: string; amount?: string; reason?: string }, hre) =>
      oneLineErrors(async () => {
        const wallet = parseAddress(args.wallet, "wallet");
        const reason = parseReference(args.reason);
        return operate(hre, args, async ({ sys, labels }) => {
          const t = await tokenArg(sys, args.token);
          const verb = freeze ? "Freeze" : "Unfreeze";
          const because = reason === ethers.ZeroHash ? "" : ` (reason ${describeReference(reason)})`;
          if (args.amount === undefined) {
            return {
              line: `${verb} the whole wallet ${labelAddress(labels, wallet)}${because}.`,
              contract: t.contract,
              fn: "setAddressFrozenWithReason",
              args: [wallet, freeze, reason],
              what: `the ${verb.toLowerCase()}`,
              result: { token: t.address, wallet, partial: false, amount: null, reason },
            };
          }
          const amount = parseAmount(args.amount, t, "--amount");
          return {
            line: `${verb} ${formatAmount(amount, t)} of ${labelAddress(labels, wallet)}${because}.`,
            contract: t.contract,
            fn: freeze ? "freezePartialTokensWithReason" : "unfreezePartialTokensWithReason",
            args: [wallet, amount, reason],
            what: `the partial ${verb.toLowerCase()}`,
            result: { token: t.address, wallet, partial: true, amount, reason },
          };
        });
      })(args),
    );
}

tokenTask("token:force-transfer", "Moves tokens between wallets without the holder (FORCED_TRANSFER_ROLE)")
  .addPositionalParam("source", "The wallet the tokens leave")
  .addPositionalParam("to", "The receiving wallet")
  .addPositionalParam("amount", "The amount, in the token's units")
  .addOptionalParam("reason", REASON_HELP)
  .setAction(async (args: TokenArgs & { source: string; to: string; amount: string; reason?: string }, hre) =>
    oneLineErrors(async () => {
      const source = parseAddress(args.source, "source");
      const to = parseWallet(args.to, "to");
      const reason = parseReference(args.reason);
      return operate(hre, args, async ({ sys, labels }) => {
        const t = await tokenArg(sys, args.token);
        const amount = parseAmount(args.amount, t, "amount");
        return {
          line: `Force a transfer of ${formatAmount(amount, t)} from ${labelAddress(labels, source)} to ${labelAddress(labels, to)}.`,
          contract: t.contract,
          fn: "forcedTransferWithReason",
          args: [source, to, amount, reason],
          what: "the forced transfer",
          result: { token: t.address, source, to, amount, reason },
        };
      });
    })(args),
  );

tokenTask(
  "token:recover",
  "Moves a lost wallet's tokens, freezes and lock-up to a new wallet of the same entity (RECOVERY_ROLE)",
)
  .addPositionalParam("lost", "The lost wallet")
  .addPositionalParam("newWallet", "The entity's new, registered, empty wallet")
  .addOptionalParam("onchainId", "The investor's ONCHAINID (default: the one the registry holds for the lost wallet)")
  .setAction(async (args: TokenArgs & { lost: string; newWallet: string; onchainId?: string }, hre) =>
    oneLineErrors(async () => {
      const lost = parseAddress(args.lost, "lost");
      const newWallet = parseWallet(args.newWallet, "newWallet");
      const given = args.onchainId !== undefined ? parseAddress(args.onchainId, "--onchain-id") : undefined;
      return operate(hre, args, async ({ sys, labels }) => {
        const t = await tokenArg(sys, args.token);
        const onchainId = given ?? (await identityRegistryOf(sys).identity(lost));
        const balance = BigInt(await t.contract.balanceOf(lost));
        return {
          line: `Recover ${formatAmount(balance, t)} from the lost wallet ${labelAddress(labels, lost)} to ${labelAddress(labels, newWallet)}.`,
          contract: t.contract,
          fn: "recoveryAddress",
          args: [lost, newWallet, onchainId],
          what: "the recovery",
          result: { token: t.address, lost, newWallet, onchainId, amount: balance },
        };
      });
    })(args),
  );

tokenTask("token:doc-set", "Adds or replaces a document of the token (ERC-1643, DOCUMENT_ROLE)")
  .addPositionalParam("name", "The document's name: text of up to 31 bytes (e.g. prospectus) or a 0x 32-byte value")
  .addPositionalParam("uri", "Where the document is")
  .addOptionalParam("hash", "The document's 0x 32-byte hash")
  .addOptionalParam("file", "A local copy of the document: its keccak256 is recorded as the hash")
  .setAction(async (args: TokenArgs & { name: string; uri: string; hash?: string; file?: string }, hre) =>
    oneLineErrors(async () => {
      const name = parseDocumentName(args.name, "name");
      const hash = documentHash(args.hash, args.file);
      if (args.uri.trim() === "") throw new GovError("uri: empty");
      return operate(hre, args, async ({ sys }) => {
        const t = await tokenArg(sys, args.token);
        return {
          line: `Set the document "${documentNameText(name)}" of ${t.symbol}: ${args.uri}, hash ${hash}.`,
          contract: t.contract,
          fn: "setDocument",
          args: [name, args.uri, hash],
          what: "setting the document",
          result: { token: t.address, name: documentNameText(name), uri: args.uri, hash },
        };
      });
    })(args),
  );

tokenTask("token:doc-remove", "Removes a document of the token (DOCUMENT_ROLE)")
  .addPositionalParam("name", "The document's name")
  .setAction(async (args: TokenArgs & { name: string }, hre) =>
    oneLineErrors(async () => {
      const name = parseDocumentName(args.name, "name");
      return operate(hre, args, async ({ sys }) => {
        const t = await tokenArg(sys, args.token);
        return {
          line: `Remove the document "${documentNameText(name)}" of ${t.symbol}.`,
          contract: t.contract,
          fn: "removeDocument",
          args: [name],
          what: "removing the document",
          result: { token: t.address, name: documentNameText(name) },
        };
      });
    })(args),
  );

tokenTask("token:approve", "Lets a spender (dvp-settlement, invoice-registry or an address) move your tokens (holder)")
  .addPositionalParam("spender", "dvp-settlement, invoice-registry or an address")
  .addPositionalParam("amount", "The allowance, in the token's units, or max (unlimited); 0 withdraws it")
  .setAction(async (args: TokenArgs & { spender: string; amount: string }, hre) =>
    oneLineErrors(async () =>
      operate(hre, args, async ({ sys, labels }) => {
        const t = await tokenArg(sys, args.token);
        const spender = spenderArg(sys, args.spender);
        const max = args.amount.trim().toLowerCase() === "max";
        const amount = max ? ethers.MaxUint256 : parseAmount(args.amount, t, "amount", 0n);
        return {
          line: `Allow ${labelAddress(labels, spender)} to move ${max ? "any amount" : formatAmount(amount, t)} of your ${t.symbol}.`,
          contract: t.contract,
          fn: "approve",
          args: [spender, amount],
          what: "the approval",
          result: { token: t.address, spender, amount },
        };
      }),
    )(args),
  );

withJson(
  withSend(
    task("pause", "Pauses a contract at once (guardian); only governance unpauses").addPositionalParam(
      "contract",
      "security-token, cash-token, invoice-registry or dvp-settlement",
    ),
  ),
).setAction(async (args: TokenArgs & { contract: string }, hre) =>
  oneLineErrors(async () =>
    operate(hre, args, async ({ sys, labels }) => {
      const { name, contract } = pausableContract(sys, args.contract);
      if (await contract.paused()) throw new GovError(`${name} is already paused (only governance unpauses it)`);
      return {
        line: `Pause ${labelAddress(labels, contract.target as string)}: it stops until a governance proposal unpauses it.`,
        contract,
        fn: "pause",
        args: [],
        what: `pausing ${name}`,
        result: { contract: name, address: contract.target as string },
      };
    }),
  )(args),
);

withJson(
  withDeployment(
    task("token:docs", "Lists the token's documents (read-only)").addOptionalParam(
      "token",
      "security-token (default), cash-token or a token address",
    ),
  ),
).setAction(async (args: { deployment?: string; token?: string; json: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const sys = await loadSystem(hre, args.deployment);
    const t = await tokenArg(sys, args.token);
    const names = (await t.contract.getAllDocuments()) as string[];
    const documents = [];
    for (const name of names) {
      const [uri, hash, modified] = await t.contract.getDocument(name);
      documents.push({
        name: documentNameText(name),
        uri: String(uri),
        hash: String(hash),
        lastModified: BigInt(modified),
      });
    }
    out.line(
      documents.length === 0 ? `${t.symbol} has no documents.` : `${t.symbol} has ${documents.length} document(s):`,
    );
    for (const d of documents) out.line(`  ${d.name}: ${d.uri} (hash ${d.hash}, set ${formatTime(d.lastModified)})`);
    return out.done({ token: t.address, tokenLabel: labelOf(await loadLabels(sys), t.address), documents });
  })(args),
);

withJson(
  withDeployment(
    task("token:show", "Shows a token's rules in force, supply and holders, and a wallet's state in words (read-only)")
      .addOptionalPositionalParam("wallet", "A wallet whose balance, freezes and lock-up to show")
      .addOptionalParam("token", "security-token (default), cash-token or a token address"),
  ),
).setAction(async (args: { deployment?: string; token?: string; wallet?: string; json: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const wallet = args.wallet !== undefined ? parseAddress(args.wallet, "wallet") : undefined;
    const sys = await loadSystem(hre, args.deployment);
    const t = await tokenArg(sys, args.token);
    const labels = await loadLabels(sys);
    const rules = await readRules(sys, t);
    for (const line of rulesLines(rules, t, labels)) out.line(line);
    const state = wallet !== undefined ? await readWallet(sys, t, labels, wallet, await latestTime(sys)) : null;
    if (state) out.line(`${labelAddress(labels, state.wallet)}: ${state.words}.`);
    return out.done({ rules: ruleLabels(labels, rules), wallet: state });
  })(args),
);

/** The rules' JSON: the contracts they name, each with its label. */
function ruleLabels(labels: Labels, rules: TokenRules) {
  return withLabels(labels, rules, "token", "identityRegistry", "complianceHook");
}

/**
 * Refuses, in one line, an actor without `role` on the token, saying when the timelock holds it
 * (then the change is a governance proposal).
 */
async function requireDuty(sys: System, labels: Labels, t: TokenInfo, actor: string, role: string): Promise<void> {
  const hash = roleHash(role);
  if (await t.contract.hasRole(hash, actor)) return;
  const timelock = sys.deployment.addresses.timelock as string;
  const viaGovernance = (await t.contract.hasRole(hash, timelock))
    ? ": the timelock holds it, so make the change with a governance proposal (gov:propose)"
    : "";
  throw new GovError(`${labelAddress(labels, actor)} does not hold ${role} on ${t.symbol}${viaGovernance}`);
}

interface RulesArgs extends TokenArgs {
  requiredAttributes?: string;
  countryRestriction?: string;
  allowCountries?: string;
  disallowCountries?: string;
  maxEntityBalance?: string;
  maxHolders?: string;
  complianceHook?: string;
}

/** `on`/`off` (also true/false, yes/no). */
function parseSwitch(value: string, what: string): boolean {
  const text = value.trim().toLowerCase();
  if (["on", "true", "yes"].includes(text)) return true;
  if (["off", "false", "no"].includes(text)) return false;
  throw new GovError(`${what}: "${value}" is not on or off`);
}

/** The calls that set the rules given on the command line, described. */
function ruleChanges(args: RulesArgs, t: TokenInfo): { fn: string; args: unknown[]; line: string }[] {
  const changes: { fn: string; args: unknown[]; line: string }[] = [];
  if (args.requiredAttributes !== undefined) {
    const flags = parseAttributes(args.requiredAttributes, "--required-attributes");
    changes.push({
      fn: "setRequiredAttributes",
      args: [flags],
      line: `require the attributes ${attributeNames(flags).join(", ") || "none"}`,
    });
  }
  if (args.countryRestriction !== undefined) {
    const on = parseSwitch(args.countryRestriction, "--country-restriction");
    changes.push({ fn: "setCountryRestriction", args: [on], line: `switch the country rule ${on ? "on" : "off"}` });
  }
  for (const [list, allowed] of [
    [args.allowCountries, true],
    [args.disallowCountries, false],
  ] as const) {
    if (list === undefined) continue;
    const what = allowed ? "--allow-countries" : "--disallow-countries";
    for (const code of list.split(",").map((c) => parseCountry(c, what))) {
      changes.push({
        fn: "setCountryAllowed",
        args: [code, allowed],
        line: `${allowed ? "allow" : "disallow"} country ${code}`,
      });
    }
  }
  if (args.maxEntityBalance !== undefined) {
    const max = parseAmount(args.maxEntityBalance, t, "--max-entity-balance", 0n);
    changes.push({
      fn: "setMaxEntityBalance",
      args: [max],
      line: `limit an entity's balance to ${max === 0n ? "no limit" : formatAmount(max, t)}`,
    });
  }
  if (args.maxHolders !== undefined) {
    const max = parseWhole(args.maxHolders, "--max-holders", 0n, 2n ** 24n - 1n);
    changes.push({
      fn: "setMaxHolders",
      args: [max],
      line: `limit holders to ${max === 0n ? "no limit" : `${max} entities`}`,
    });
  }
  if (args.complianceHook !== undefined) {
    const none = args.complianceHook.trim().toLowerCase() === "none";
    const hook = none ? ethers.ZeroAddress : parseAddress(args.complianceHook, "--compliance-hook");
    changes.push({ fn: "setCompliance", args: [hook], line: `set the compliance hook to ${none ? "none" : hook}` });
  }
  return changes;
}

withJson(
  withSend(
    task("token:rules", "Shows a token's transfer rules; with options, sets them (COMPLIANCE_ROLE held directly)")
      .addOptionalParam("token", "security-token (default), cash-token or a token address")
      .addOptionalParam(
        "requiredAttributes",
        "Attributes every recipient must have (investor+qualified-investor, none)",
      )
      .addOptionalParam("countryRestriction", "on: only allowed countries receive; off: any country")
      .addOptionalParam("allowCountries", "Countries to allow, comma-separated (156,HK)")
      .addOptionalParam("disallowCountries", "Countries to take off the allow-list, comma-separated")
      .addOptionalParam("maxEntityBalance", "Largest balance of one entity, in the token's units (0: no limit)")
      .addOptionalParam("maxHolders", "Largest number of holder entities (0: no limit)")
      .addOptionalParam("complianceHook", "A compliance hook contract's address, or none"),
  ),
).setAction(async (args: RulesArgs, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const sys = await loadSystem(hre, args.deployment);
    const t = await tokenArg(sys, args.token);
    const labels = await loadLabels(sys);
    const changes = ruleChanges(args, t);
    if (changes.length === 0) {
      const rules = await readRules(sys, t);
      for (const line of rulesLines(rules, t, labels)) out.line(line);
      return out.done({ rules: ruleLabels(labels, rules), changes: [] });
    }
    const actor = await resolveActor(hre, args, args.dryRun);
    await requireDuty(sys, labels, t, actor.address, "COMPLIANCE_ROLE");
    const done = [];
    for (const change of changes) {
      out.line(`${t.symbol}: ${change.line}.`);
      const outcome = await perform(sys, labels, actor, t.contract, change.fn, change.args, change.line, args.dryRun);
      out.line(`  ${outcomeLine(outcome)}`);
      done.push({ change: change.line, fn: change.fn, ...outcome });
    }
    const rules = await readRules(sys, t);
    if (!args.dryRun) for (const line of rulesLines(rules, t, labels)) out.line(line);
    return out.done({ rules: ruleLabels(labels, rules), changes: done });
  })(args),
);

withJson(
  withSend(
    task(
      "token:import-mint",
      "Issues tokens to many wallets from a CSV (SUPPLY_ROLE): every row is checked first, nothing is sent unless all are valid",
    )
      .addPositionalParam("csv", "CSV with a header: wallet,amount[,release] (release: a lock-up's end, with a zone)")
      .addOptionalParam("token", "security-token (default), cash-token or a token address")
      .addOptionalParam("batchSize", "Rows per batchMint transaction", "50"),
  ),
).setAction(async (args: TokenArgs & { csv: string; batchSize: string }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const batchSize = Number(parseWhole(args.batchSize, "--batch-size", 1n, 500n));
    const csvRows = readCsv(args.csv, MINT_COLUMNS.required, MINT_COLUMNS.optional);
    const sys = await loadSystem(hre, args.deployment);
    const t = await tokenArg(sys, args.token);
    const now = await latestTime(sys);
    const rows = parseRows(csvRows, (row) =>
      parseMintRow(
        row,
        (text) => parseAmount(text, t, "amount"),
        (text) => parseTime(text, now, "release"),
      ),
    );
    const labels = await loadLabels(sys);
    const actor = await resolveActor(hre, args, args.dryRun);
    await requireDuty(sys, labels, t, actor.address, "SUPPLY_ROLE");
    // Each row on its own, as the operator: a row the token refuses is named by its line and field.
    const problems: RowProblem[] = [];
    for (const r of rows) {
      const [fn, callArgs] =
        r.release === null ? ["mint", [r.wallet, r.amount]] : ["mintLocked", [r.wallet, r.amount, r.release]];
      try {
        await perform(
          sys,
          labels,
          actor,
          t.contract,
          fn as string,
          callArgs as unknown[],
          mintLine(r, t, labels),
          true,
        );
      } catch (e) {
        const message = (e as Error).message.replace(/; nothing was sent$/, "");
        const field = /SupplyCapExceeded|TransferRestricted\((3|8)\)/.test(message) ? "amount" : "wallet";
        problems.push({ line: r.line, field, message });
      }
    }
    if (problems.length > 0) throw rowProblemsError(problems);
    const plain = rows.filter((r) => r.release === null);
    const locked = rows.filter((r) => r.release !== null);
    const sends: { rows: MintRow[]; fn: string; args: unknown[] }[] = [];
    for (let start = 0; start < plain.length; start += batchSize) {
      const batch = plain.slice(start, start + batchSize);
      sends.push({ rows: batch, fn: "batchMint", args: [batch.map((r) => r.wallet), batch.map((r) => r.amount)] });
    }
    for (const r of locked) sends.push({ rows: [r], fn: "mintLocked", args: [r.wallet, r.amount, r.release] });
    const report = [];
    const transactions = [];
    for (const send of sends) {
      const what = `the ${send.fn} of lines ${send.rows.map((r) => r.line).join(", ")}`;
      const outcome = await perform(sys, labels, actor, t.contract, send.fn, send.args, what, args.dryRun);
      transactions.push({ fn: send.fn, lines: send.rows.map((r) => r.line), ...outcome });
      for (const r of send.rows) {
        report.push({
          ...r,
          result: args.dryRun ? "would be minted" : "minted",
          transactionHash: outcome.transactionHash,
        });
      }
    }
    report.sort((a, b) => a.line - b.line);
    for (const r of report) out.line(`  line ${r.line}: ${mintLine(r, t, labels)}: ${r.result}`);
    const total = rows.reduce((sum, r) => sum + r.amount, 0n);
    out.line(
      args.dryRun
        ? `Dry run: ${rows.length} row(s), ${formatAmount(total, t)}, in ${transactions.length} transaction(s) would succeed; nothing was sent.`
        : `Minted ${formatAmount(total, t)} to ${rows.length} row(s) in ${transactions.length} transaction(s).`,
    );
    return out.done({ dryRun: args.dryRun, token: t.address, total, rows: report, transactions });
  })(args),
);

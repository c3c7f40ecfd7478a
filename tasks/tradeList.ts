// trade:list: the DvP tickets, newest first, with their status and parties.
import { task } from "hardhat/config";
import type { DvPSettlement } from "../typechain-types";
import { type TokenInfo, formatAmount, latestTime, loadToken, requireContract } from "./lib/assets";
import { formatTimeFrom, labelAddress, loadLabels, withLabels } from "./lib/describe";
import { GovError } from "./lib/errors";
import { withDeployment } from "./lib/options";
import { reporter, withJson } from "./lib/output";
import { parseAddress, parseWhole } from "./lib/parse";
import { loadSystem } from "./lib/system";
import { oneLineErrors } from "./lib/tx";
import { TICKET_STATUSES } from "./lib/trade";

withJson(
  withDeployment(
    task("trade:list", "Lists DvP tickets, newest first, with status, parties and amounts (read-only)")
      .addOptionalParam("status", `Only tickets in this status (${TICKET_STATUSES.slice(1).join(", ")})`)
      .addOptionalParam("party", "Only tickets where this account is the seller or the buyer")
      .addOptionalParam("limit", "At most this many tickets", "50"),
  ),
).setAction(async (args: { deployment?: string; status?: string; party?: string; limit: string; json: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const limit = Number(parseWhole(args.limit, "--limit", 1n, 10_000n));
    const party = args.party !== undefined ? parseAddress(args.party, "--party") : undefined;
    const status =
      args.status !== undefined
        ? TICKET_STATUSES.find((s) => s.toLowerCase() === args.status?.trim().toLowerCase())
        : undefined;
    if (args.status !== undefined && (status === undefined || status === "None")) {
      throw new GovError(`--status: "${args.status}" is not a ticket status (${TICKET_STATUSES.slice(1).join(", ")})`);
    }
    const sys = await loadSystem(hre, args.deployment);
    const dvp = requireContract(sys, "dvp-settlement") as unknown as DvPSettlement;
    const labels = await loadLabels(sys);
    const now = await latestTime(sys);
    const tokens = new Map<string, TokenInfo>();
    const token = async (address: string) => {
      const cached = tokens.get(address) ?? (await loadToken(sys, address, "a ticket's token"));
      tokens.set(address, cached);
      return cached;
    };
    const tickets = [];
    for (let id = await dvp.ticketCount(); id >= 1n && tickets.length < limit; id--) {
      const t = await dvp.ticketOf(id);
      const name = TICKET_STATUSES[Number(t.status)] ?? `status ${t.status}`;
      if (status !== undefined && name !== status) continue;
      const isParty = (a: string) => party === undefined || a.toLowerCase() === party.toLowerCase();
      if (!isParty(t.seller) && !isParty(t.buyer)) continue;
      const [asset, cash] = [await token(t.asset), await token(t.cash)];
      out.line(
        `  #${id} ${name.padEnd(9)} ${formatAmount(t.assetAmount, asset)} ${labelAddress(labels, t.seller)} -> ` +
          `${labelAddress(labels, t.buyer)} for ${formatAmount(t.cashAmount, cash)}` +
          `${name === "Proposed" || name === "Ready" ? `, expires ${formatTimeFrom(t.expiry, now)}` : ""}`,
      );
      const ticket = {
        ticketId: id,
        status: name,
        seller: t.seller,
        buyer: t.buyer,
        asset: t.asset,
        assetAmount: t.assetAmount,
        cash: t.cash,
        cashAmount: t.cashAmount,
        expiry: t.expiry,
        deferred: t.deferred,
        proposer: t.proposer,
      };
      tickets.push(withLabels(labels, ticket, "seller", "buyer", "proposer"));
    }
    if (tickets.length === 0) out.line("No tickets.");
    return out.done({ tickets });
  })(args),
);

import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { ethers } from "ethers";
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { DvPSettlement } from "../typechain-types";
import {
  formatAmount,
  latestTime,
  loadToken,
  parseAmount,
  requireContract,
  resolveToken,
  restrictionOf,
} from "./lib/assets";
import { formatTime, labelAddress, loadLabels } from "./lib/describe";
import { GovError } from "./lib/errors";
import { type CommonArgs, withDeployment, withKeys } from "./lib/options";
import {
  ORDER_FILE_KIND,
  type Order,
  Side,
  orderHash,
  orderStatus,
  parseSide,
  sideName,
  signOrder,
  signedOrderDocument,
  signedOrderFromJson,
} from "./lib/orders";
import { reporter, toJson, withJson } from "./lib/output";
import { parseAddress, parseWhole } from "./lib/parse";
import { resolveOfflineSigner, resolveSigner } from "./lib/signer";
import { type System, chainIdOf, loadSystem } from "./lib/system";
import { parseExpiry } from "./lib/trade";
import { oneLineErrors, sendChecked } from "./lib/tx";

function dvpOf(sys: System): DvPSettlement {
  return requireContract(sys, "dvp-settlement") as unknown as DvPSettlement;
}

/** Reads an order:sign file and checks it belongs to this chain's DvP contract. */
function readOrderFile(file: string, sys?: System) {
  const resolved = path.resolve(String(file ?? ""));
  if (!fs.existsSync(resolved)) throw new GovError(`no order file ${resolved}`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(resolved, "utf8"));
  } catch {
    throw new GovError(`${resolved} is not JSON`);
  }
  if ((raw as { kind?: unknown })?.kind !== ORDER_FILE_KIND) {
    throw new GovError(`${resolved} is not a signed order file (kind "${ORDER_FILE_KIND}")`);
  }
  let doc: ReturnType<typeof signedOrderFromJson>;
  try {
    doc = signedOrderFromJson(raw);
  } catch (e) {
    throw new GovError(`${resolved}: ${(e as Error).message}`);
  }
  if (sys) {
    const dvp = dvpOf(sys).target as string;
    if (doc.chainId !== sys.chainId)
      throw new GovError(`${resolved} was signed for chain ${doc.chainId}, not ${sys.chainId}`);
    if (doc.dvp !== ethers.getAddress(dvp)) {
      throw new GovError(`${resolved} was signed for DvP contract ${doc.dvp}, not the deployment's ${dvp}`);
    }
  }
  return { file: resolved, ...doc, raw };
}

/** `--venue`: the matching service's base URL (default env CONSORTIUM_VENUE_URL). */
export function venueUrl(value: unknown): string {
  const text = String(value ?? process.env.CONSORTIUM_VENUE_URL ?? "").trim();
  if (text === "")
    throw new GovError("--venue <url> is required (or set CONSORTIUM_VENUE_URL), e.g. http://127.0.0.1:8645");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GovError(`--venue: "${text}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new GovError(`--venue: "${text}" is not http(s)`);
  return url.toString().replace(/\/$/, "");
}

/** Calls the venue; its error replies become one-line errors. */
async function callVenue(url: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    throw new GovError(`the venue at ${url} did not answer: ${(e as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new GovError(`the venue refused: ${body.error ?? `HTTP ${response.status}`}`);
  return body;
}

withJson(
  withKeys(
    task("order:sign", "Signs an order (EIP-712) into a file; works offline with --chain-id and --dvp")
      .addOptionalParam("side", "buy or sell")
      .addOptionalParam("asset", "The asset token: security-token or a token address")
      .addOptionalParam("cash", "The cash token: cash-token or a token address")
      .addOptionalParam("quantity", "Asset amount, in the token's units (offline: in its smallest units)")
      .addOptionalParam("price", "Cash per smallest asset unit, in cash units (e.g. 25.00; offline: smallest units)")
      .addOptionalParam("expiry", "Seconds (or 90m, 36h, 2d) from now, or an ISO date")
      .addOptionalParam("taker", "Only this counterparty may take it (a firm quote, RFQ)")
      .addOptionalParam("minFill", "The smallest fill accepted, in asset units (default: any)")
      .addOptionalParam(
        "nonce",
        "The order's nonce (default: the maker's current minimum); order:cancel --up-to cancels by it",
      )
      .addOptionalParam("out", "The file to write (required; never overwritten)")
      .addOptionalParam("chainId", "The chain id (offline signing)")
      .addOptionalParam("dvp", "The DvP contract's address (offline signing)")
      .addFlag("deferred", "Fills settle in the end-of-day batch (Ready tickets) instead of at once"),
  ),
).setAction(
  async (
    args: CommonArgs &
      Record<
        | "side"
        | "asset"
        | "cash"
        | "quantity"
        | "price"
        | "expiry"
        | "taker"
        | "minFill"
        | "nonce"
        | "out"
        | "chainId"
        | "dvp",
        string | undefined
      > & {
        deferred: boolean;
        json: boolean;
      },
    hre: HardhatRuntimeEnvironment,
  ) =>
    oneLineErrors(async () => {
      const missing = (["side", "asset", "cash", "quantity", "price", "expiry", "out"] as const).filter(
        (k) => args[k] === undefined,
      );
      if (missing.length > 0) throw new GovError(`order:sign needs ${missing.map((m) => `--${m}`).join(", ")}`);
      const side = (() => {
        try {
          return parseSide(args.side);
        } catch (e) {
          throw new GovError((e as Error).message);
        }
      })();
      const out = path.resolve(args.out as string);
      if (fs.existsSync(out)) throw new GovError(`--out ${out} already exists: choose a new file`);
      if (!fs.existsSync(path.dirname(out))) throw new GovError(`--out: no folder ${path.dirname(out)}`);
      const taker = args.taker !== undefined ? parseAddress(args.taker, "--taker") : ethers.ZeroAddress;
      const offline = args.chainId !== undefined || args.dvp !== undefined;
      const signer = await resolveOfflineSigner(hre, args);
      const maker = ethers.getAddress(signer.address);
      let chainId: bigint;
      let dvp: string;
      let asset: string;
      let cash: string;
      let quantity: bigint;
      let price: bigint;
      let minFill: bigint;
      let expiry: bigint;
      let nonce: bigint;
      let describe: string;
      if (offline) {
        if (args.chainId === undefined || args.dvp === undefined) {
          throw new GovError("offline signing needs both --chain-id and --dvp");
        }
        chainId = parseWhole(args.chainId, "--chain-id", 1n);
        dvp = parseAddress(args.dvp, "--dvp");
        asset = parseAddress(args.asset, "--asset");
        cash = parseAddress(args.cash, "--cash");
        quantity = parseWhole(args.quantity, "--quantity", 1n, (1n << 128n) - 1n);
        price = parseWhole(args.price, "--price", 1n);
        minFill = args.minFill !== undefined ? parseWhole(args.minFill, "--min-fill") : 0n;
        expiry = parseExpiry(args.expiry, BigInt(Math.floor(Date.now() / 1000)));
        nonce = args.nonce !== undefined ? parseWhole(args.nonce, "--nonce") : 0n;
        describe = `${quantity} units of ${asset} at ${price} units of ${cash} each`;
      } else {
        const sys = await loadSystem(hre, args.deployment);
        chainId = sys.chainId;
        const contract = dvpOf(sys);
        dvp = ethers.getAddress(contract.target as string);
        const assetToken = await resolveToken(sys, args.asset, "--asset");
        const cashToken = await resolveToken(sys, args.cash, "--cash");
        asset = assetToken.address;
        cash = cashToken.address;
        quantity = parseAmount(args.quantity, assetToken, "--quantity", 1n, (1n << 128n) - 1n);
        price = parseAmount(args.price, cashToken, "--price");
        minFill = args.minFill !== undefined ? parseAmount(args.minFill, assetToken, "--min-fill", 0n) : 0n;
        expiry = parseExpiry(args.expiry, await latestTime(sys));
        nonce = args.nonce !== undefined ? parseWhole(args.nonce, "--nonce") : await contract.minNonceOf(maker);
        describe =
          `${formatAmount(quantity, assetToken)} at ${formatAmount(price, cashToken)} per unit ` +
          `(${formatAmount(quantity * price, cashToken)} in all)`;
      }
      if (minFill > quantity) throw new GovError(`--min-fill is larger than --quantity`);
      const order: Order = {
        maker,
        side,
        asset,
        cash,
        quantity,
        price,
        minFill,
        taker,
        expiry,
        nonce,
        salt: BigInt(`0x${crypto.randomBytes(16).toString("hex")}`),
        deferred: args.deferred,
      };
      const signature = await signOrder(signer, order, chainId, dvp);
      const doc = { kind: ORDER_FILE_KIND, ...signedOrderDocument(order, signature, chainId, dvp) };
      fs.writeFileSync(out, `${toJson(doc)}\n`);
      const report = reporter(args.json);
      report.line(
        `Signed ${sideName(side)} order ${doc.hash} by ${maker}: ${describe}, expires ${formatTime(expiry)}` +
          `${taker !== ethers.ZeroAddress ? `, only for ${taker}` : ""}${args.deferred ? ", deferred" : ""}; written to ${out}.`,
      );
      return report.done({ file: out, ...doc });
    })(args),
);

withJson(
  withKeys(
    task("order:fill", "Takes a signed order directly on chain (no venue): both legs settle at its price")
      .addPositionalParam("file", "The signed order file (order:sign)")
      .addOptionalParam("quantity", "How much to take, in asset units (default: all that remains)")
      .addFlag("dryRun", "Check everything and show the trade; send nothing"),
  ),
).setAction(async (args: CommonArgs & { file: string; quantity?: string; dryRun: boolean; json: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const sys = await loadSystem(hre, args.deployment);
    const { order, signature } = readOrderFile(args.file, sys);
    const dvp = dvpOf(sys);
    const labels = await loadLabels(sys);
    const [asset, cash] = [
      await loadToken(sys, order.asset, "the asset"),
      await loadToken(sys, order.cash, "the cash"),
    ];
    const status = await orderStatus(dvp, order, await latestTime(sys));
    if (status.cancelled) throw new GovError(`order ${status.hash} is cancelled`);
    if (status.expired) throw new GovError(`order ${status.hash} expired at ${formatTime(order.expiry)}`);
    if (status.remaining === 0n) throw new GovError(`order ${status.hash} is completely filled`);
    const quantity =
      args.quantity !== undefined ? parseAmount(args.quantity, asset, "--quantity", 1n) : status.remaining;
    if (quantity > status.remaining) {
      throw new GovError(
        `--quantity ${formatAmount(quantity, asset)} is more than the ${formatAmount(status.remaining, asset)} that remains of order ${status.hash}`,
      );
    }
    if (quantity < order.minFill && quantity !== status.remaining) {
      throw new GovError(
        `--quantity ${formatAmount(quantity, asset)} is below the order's minimum fill ${formatAmount(order.minFill, asset)}`,
      );
    }
    const signer = await resolveSigner(hre, args);
    if (order.taker !== ethers.ZeroAddress && order.taker !== ethers.getAddress(signer.address)) {
      throw new GovError(`order ${status.hash} is a firm quote for ${labelAddress(labels, order.taker)} only`);
    }
    const seller = order.side === Side.Sell ? order.maker : signer.address;
    const buyer = order.side === Side.Sell ? signer.address : order.maker;
    const cashAmount = quantity * order.price;
    for (const [leg, token, from, to, amount] of [
      ["asset", asset, seller, buyer, quantity],
      ["cash", cash, buyer, seller, cashAmount],
    ] as const) {
      const r = await restrictionOf(token, from, to, amount);
      if (r.code !== 0) throw new GovError(`the ${leg} leg would be refused: restriction ${r.code} "${r.message}"`);
    }
    out.line(
      `Fill of order ${status.hash}: ${formatAmount(quantity, asset)} from ${labelAddress(labels, seller)} to ${labelAddress(labels, buyer)} ` +
        `for ${formatAmount(cashAmount, cash)}${order.deferred ? " (deferred: a Ready ticket for the batch run)" : ""}.`,
    );
    if (args.dryRun) {
      out.line("Dry run: nothing was sent.");
      return out.done({ dryRun: true, orderHash: status.hash, quantity, cashAmount, seller, buyer });
    }
    const receipt = await sendChecked(sys, labels, signer, dvp, "fill", [order, signature, quantity], "the fill");
    out.line(`Filled in transaction ${receipt.hash}.`);
    return out.done({
      dryRun: false,
      orderHash: status.hash,
      quantity,
      cashAmount,
      seller,
      buyer,
      transactionHash: receipt.hash,
    });
  })(args),
);

withJson(
  withKeys(
    task("order:cancel", "Cancels a signed order on chain (its maker), or with --up-to every order up to a nonce")
      .addOptionalPositionalParam("file", "The signed order file (order:sign)")
      .addOptionalParam("upTo", "Cancel every one of your orders with a nonce up to this one, inclusive")
      .addFlag("dryRun", "Check and show; send nothing"),
  ),
).setAction(async (args: CommonArgs & { file?: string; upTo?: string; dryRun: boolean; json: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    if ((args.file === undefined) === (args.upTo === undefined)) {
      throw new GovError("order:cancel takes either an order file or --up-to <nonce>");
    }
    const upTo = args.upTo !== undefined ? parseWhole(args.upTo, "--up-to", 0n, ethers.MaxUint256 - 1n) : undefined;
    const sys = await loadSystem(hre, args.deployment);
    const dvp = dvpOf(sys);
    const labels = await loadLabels(sys);
    const signer = await resolveSigner(hre, args);
    let fn: "cancelOrder" | "cancelUpTo";
    let callArgs: unknown[];
    let result: Record<string, unknown>;
    if (upTo !== undefined) {
      const current = await dvp.minNonceOf(signer.address);
      if (upTo < current) {
        throw new GovError(
          `orders with nonces below ${current} are already cancelled: --up-to must be at least ${current}`,
        );
      }
      fn = "cancelUpTo";
      callArgs = [upTo];
      result = { upTo };
      out.line(`Cancelling every order of ${labelAddress(labels, signer.address)} with a nonce up to ${upTo}.`);
    } else {
      const { order } = readOrderFile(args.file as string, sys);
      if (order.maker !== ethers.getAddress(signer.address)) {
        throw new GovError(
          `only the maker ${labelAddress(labels, order.maker)} may cancel this order, not ${signer.address}`,
        );
      }
      const status = await orderStatus(dvp, order, await latestTime(sys));
      if (status.cancelled) throw new GovError(`order ${status.hash} is already cancelled`);
      fn = "cancelOrder";
      callArgs = [order];
      result = { orderHash: status.hash, filled: status.filled };
      out.line(`Cancelling order ${status.hash} (${status.filled} of ${order.quantity} filled).`);
    }
    if (args.dryRun) {
      out.line("Dry run: nothing was sent.");
      return out.done({ dryRun: true, ...result });
    }
    const receipt = await sendChecked(sys, labels, signer, dvp, fn, callArgs, "the cancellation");
    out.line(`Cancelled in transaction ${receipt.hash}.`);
    return out.done({ dryRun: false, ...result, transactionHash: receipt.hash });
  })(args),
);

withJson(
  withDeployment(
    task("order:submit", "Submits a signed order to the matching venue")
      .addPositionalParam("file", "The signed order file (order:sign)")
      .addOptionalParam("venue", "The venue's URL (default: env CONSORTIUM_VENUE_URL)")
      .addFlag("dryRun", "Check the file and show what would be sent; send nothing"),
  ),
).setAction(async (args: { file: string; venue?: string; dryRun: boolean; json: boolean; deployment?: string }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const url = venueUrl(args.venue);
    const { raw, order, chainId, dvp, signature } = readOrderFile(args.file);
    if (chainId !== (await chainIdOf(hre)))
      throw new GovError(`the order was signed for chain ${chainId}, not this network's`);
    const hash = orderHash(order, chainId, dvp);
    out.line(`Order ${hash}: ${sideName(order.side)} ${order.quantity} at ${order.price} (smallest units) to ${url}.`);
    if (args.dryRun) {
      out.line("Dry run: nothing was sent.");
      return out.done({ dryRun: true, orderHash: hash });
    }
    const reply = (await callVenue(`${url}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...(raw as object), signature }),
    })) as { status?: string; trades?: unknown[] };
    out.line(`Accepted by the venue: ${reply.status ?? "open"}; ${(reply.trades ?? []).length} trade(s) so far.`);
    return out.done({ dryRun: false, orderHash: hash, venue: reply });
  })(args),
);

withJson(
  task("order:book", "Shows the venue's order book for an asset: bids and offers in price-time priority")
    .addPositionalParam("asset", "The asset token's address")
    .addOptionalParam("venue", "The venue's URL (default: env CONSORTIUM_VENUE_URL)"),
).setAction(async (args: { asset: string; venue?: string; json: boolean }) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const asset = parseAddress(args.asset, "asset");
    const url = venueUrl(args.venue);
    const book = (await callVenue(`${url}/book/${asset}`)) as {
      bids: { hash: string; maker: string; price: string; remaining: string }[];
      offers: { hash: string; maker: string; price: string; remaining: string }[];
    };
    out.line(`Order book of ${asset}:`);
    out.line(`  offers (lowest first):`);
    for (const o of book.offers) out.line(`    ${o.remaining} at ${o.price}  ${o.maker}  ${o.hash}`);
    out.line(`  bids (highest first):`);
    for (const b of book.bids) out.line(`    ${b.remaining} at ${b.price}  ${b.maker}  ${b.hash}`);
    return out.done({ asset, ...book });
  })(args),
);

import { ethers } from "ethers";
import { DvPSettlement__factory } from "../typechain-types";
import type { DvPSettlement } from "../typechain-types";
import {
  type Order,
  Side,
  orderHash,
  orderStatus,
  orderToJson,
  recoverOrderSigner,
  signedOrderFromJson,
} from "../tasks/lib/orders";
import { type OrderRow, Store, type TradeRow } from "./store";

const ERC20_ABI = [
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address,address) view returns (uint256)",
];
const REGISTRY_ABI = ["function isVerified(address) view returns (bool)"];
const ERC1271_ABI = ["function isValidSignature(bytes32,bytes) view returns (bytes4)"];
const ERC1271_MAGIC = "0x1626ba7e";

/** A refusal the HTTP layer returns as 400 with its message. */
export class VenueError extends Error {}

export interface VenueConfig {
  /** The venue operator's key (holds VENUE_OPERATOR_ROLE on the DvP contract), connected to the chain. */
  operator: ethers.BaseWallet;
  dvpAddress: string;
  dataDir: string;
  /** A fixed (legacy) gas price for the venue's transactions, e.g. 0 on a free-gas chain; default: the node's. */
  gasPrice?: bigint;
  log?: (line: string) => void;
}

/** A book entry as the API shows it. */
export interface BookEntry {
  hash: string;
  maker: string;
  price: string;
  remaining: string;
  seq: number;
}

/**
 * The matching venue: keeps a book of signed orders per asset in price-time priority, crosses
 * them with `matchOrders` at the resting (earlier) order's price, and keeps its state in SQLite.
 * The chain is the truth: at start, and after every match, each order's remaining quantity is read
 * back from the contract's filled amounts, so a crash or a lost receipt can never fill an order
 * twice (the contract refuses an over-fill anyway). A match is written down (with its transaction
 * hash, signed before broadcasting) before it is sent.
 */
export class Venue {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly failedPairs = new Set<string>();

  private constructor(
    readonly store: Store,
    readonly dvp: DvPSettlement,
    readonly operator: ethers.BaseWallet,
    readonly chainId: bigint,
    private readonly log: (line: string) => void,
    private readonly gasPrice?: bigint,
  ) {}

  static async start(config: VenueConfig): Promise<Venue> {
    const provider = config.operator.provider;
    if (!provider) throw new Error("the operator wallet has no provider");
    const chainId = (await provider.getNetwork()).chainId;
    const dvp = DvPSettlement__factory.connect(config.dvpAddress, config.operator);
    const role = await dvp.VENUE_OPERATOR_ROLE();
    if (!(await dvp.hasRole(role, config.operator.address))) {
      throw new Error(`${config.operator.address} does not hold VENUE_OPERATOR_ROLE on ${config.dvpAddress}`);
    }
    const store = await Store.open(config.dataDir);
    const venue = new Venue(store, dvp, config.operator, chainId, config.log ?? (() => {}), config.gasPrice);
    await venue.serial(async () => {
      await venue.reconcile();
      await venue.matchAll();
    });
    return venue;
  }

  /** Runs `fn` after everything queued before it: one book change at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async now(): Promise<bigint> {
    const block = await this.operator.provider!.getBlock("latest");
    return BigInt(block!.timestamp);
  }

  /** Reads sent matches' receipts and every open order's filled amount back from the chain. */
  async reconcile(): Promise<void> {
    for (const t of this.store.trades("unsettled")) {
      // A transaction sent just before a crash may still be mined: give it a few seconds.
      const receipt = t.txHash ? await this.receipt(t.txHash, 5_000) : null;
      if (receipt) this.store.updateTrade(t.id, receipt.status === 1 ? "done" : "failed");
      else this.store.updateTrade(t.id, "failed"); // never mined: the orders' chain fills decide
      this.log(`reconciled trade ${t.id}: ${receipt ? (receipt.status === 1 ? "done" : "failed") : "not on chain"}`);
    }
    const now = await this.now();
    for (const row of this.store.openOrders()) await this.refresh(row, now);
  }

  /** An order's remaining quantity and status, from the chain. */
  private async refresh(row: OrderRow, now?: bigint): Promise<void> {
    const order = this.orderOf(row);
    const s = await orderStatus(this.dvp, order, now ?? (await this.now()));
    const status = s.cancelled ? "cancelled" : s.remaining === 0n ? "filled" : s.expired ? "expired" : "open";
    if (status !== row.status || s.remaining.toString() !== row.remaining) {
      this.store.updateOrder(row.hash, s.remaining, status);
    }
  }

  private orderOf(row: OrderRow): Order {
    return signedOrderFromJson(JSON.parse(row.doc)).order;
  }

  private signatureOf(row: OrderRow): string {
    return (JSON.parse(row.doc) as { signature: string }).signature;
  }

  /** Validates a signed order against the chain, books it and matches. */
  submit(body: unknown): Promise<{ order: BookEntry & { status: string }; trades: TradeRow[] }> {
    return this.serial(async () => {
      let doc: ReturnType<typeof signedOrderFromJson>;
      try {
        doc = signedOrderFromJson(body);
      } catch (e) {
        throw new VenueError((e as Error).message);
      }
      const { order, signature } = doc;
      const dvpAddress = ethers.getAddress(this.dvp.target as string);
      if (doc.chainId !== this.chainId) throw new VenueError(`signed for chain ${doc.chainId}, not ${this.chainId}`);
      if (doc.dvp !== dvpAddress) throw new VenueError(`signed for DvP contract ${doc.dvp}, not ${dvpAddress}`);
      const hash = orderHash(order, this.chainId, dvpAddress);
      if (this.store.order(hash)) throw new VenueError(`order ${hash} is already in the book`);
      if (order.taker !== ethers.ZeroAddress) {
        throw new VenueError("a firm quote for one counterparty is taken directly (order:fill), not booked");
      }
      if (order.quantity === 0n || order.price === 0n)
        throw new VenueError("quantity and price must be more than zero");
      await this.checkSignature(order, signature, hash);
      const provider = this.operator.provider!;
      const registry = new ethers.Contract(await this.dvp.identityRegistry(), REGISTRY_ABI, provider);
      if (!(await registry.isVerified(order.maker)))
        throw new VenueError(`${order.maker} is not a verified participant`);
      const status = await orderStatus(this.dvp, order, await this.now());
      if (status.cancelled) throw new VenueError(`order ${hash} is cancelled on chain`);
      if (status.expired) throw new VenueError(`order ${hash} has expired`);
      if (status.remaining === 0n) throw new VenueError(`order ${hash} is already filled`);
      const [token, need] =
        order.side === Side.Sell ? [order.asset, status.remaining] : [order.cash, status.remaining * order.price];
      const erc20 = new ethers.Contract(token, ERC20_ABI, provider);
      const [balance, allowance] = await Promise.all([
        erc20.balanceOf(order.maker) as Promise<bigint>,
        erc20.allowance(order.maker, dvpAddress) as Promise<bigint>,
      ]);
      if (balance < need) throw new VenueError(`${order.maker} holds ${balance} of ${token}, ${need} needed`);
      if (allowance < need) {
        throw new VenueError(`${order.maker} approved the DvP contract for ${allowance} of ${token}, ${need} needed`);
      }
      const row: OrderRow = {
        hash,
        seq: this.store.nextSeq(),
        maker: order.maker,
        side: order.side,
        asset: order.asset,
        cash: order.cash,
        price: order.price.toString(),
        quantity: order.quantity.toString(),
        remaining: status.remaining.toString(),
        status: "open",
        doc: JSON.stringify({
          chainId: this.chainId.toString(),
          dvp: dvpAddress,
          order: orderToJson(order),
          signature,
        }),
      };
      this.store.insertOrder(row);
      this.log(`booked ${hash}: ${order.side === Side.Buy ? "buy" : "sell"} ${order.quantity} at ${order.price}`);
      await this.matchAll();
      const booked = this.store.order(hash)!;
      return {
        order: { ...this.entry(booked), status: booked.status },
        trades: this.store.trades("all").filter((t) => t.buyHash === hash || t.sellHash === hash),
      };
    });
  }

  private async checkSignature(order: Order, signature: string, hash: string): Promise<void> {
    const code = await this.operator.provider!.getCode(order.maker);
    if (code === "0x") {
      let signer: string;
      try {
        signer = recoverOrderSigner(order, signature, this.chainId, this.dvp.target as string);
      } catch {
        throw new VenueError("the signature is malformed");
      }
      if (signer !== order.maker) throw new VenueError(`the signature is not the maker's (signed by ${signer})`);
      return;
    }
    const wallet = new ethers.Contract(order.maker, ERC1271_ABI, this.operator.provider);
    const magic = await (wallet.isValidSignature(hash, signature) as Promise<string>).catch(() => "0x");
    if (magic !== ERC1271_MAGIC) throw new VenueError("the maker's contract wallet refuses the signature (ERC-1271)");
  }

  /** Crosses every book until no pair crosses. */
  private async matchAll(): Promise<void> {
    for (;;) {
      const pair = this.bestPair();
      if (!pair) return;
      await this.execute(pair.bid, pair.offer, pair.quantity);
    }
  }

  /** The first crossing pair in price-time priority, with a quantity both orders accept. */
  private bestPair(): { bid: OrderRow; offer: OrderRow; quantity: bigint } | undefined {
    const open = this.store.openOrders();
    const byPriority = (dir: 1n | -1n) => (a: OrderRow, b: OrderRow) => {
      const pa = BigInt(a.price);
      const pb = BigInt(b.price);
      if (pa !== pb) return (pa < pb ? -1 : 1) * Number(dir);
      return a.seq - b.seq;
    };
    const bids = open.filter((o) => o.side === Side.Buy).sort(byPriority(-1n));
    const offers = open.filter((o) => o.side === Side.Sell).sort(byPriority(1n));
    for (const bid of bids) {
      for (const offer of offers) {
        if (offer.asset !== bid.asset || offer.cash !== bid.cash || offer.maker === bid.maker) continue;
        if (BigInt(offer.price) > BigInt(bid.price)) break;
        if (this.failedPairs.has(`${bid.hash}:${offer.hash}`)) continue;
        const q = BigInt(bid.remaining) < BigInt(offer.remaining) ? BigInt(bid.remaining) : BigInt(offer.remaining);
        const ok = (row: OrderRow) => q >= this.orderOf(row).minFill || q === BigInt(row.remaining);
        if (ok(bid) && ok(offer)) return { bid, offer, quantity: q };
      }
    }
    return undefined;
  }

  /** Sends one match: written down (pending, then its signed transaction's hash) before broadcasting. */
  private async execute(bid: OrderRow, offer: OrderRow, quantity: bigint): Promise<void> {
    const resting = bid.seq < offer.seq ? Side.Buy : Side.Sell;
    const price = resting === Side.Buy ? bid.price : offer.price;
    const args = [
      this.orderOf(bid),
      this.signatureOf(bid),
      this.orderOf(offer),
      this.signatureOf(offer),
      quantity,
      resting,
    ] as const;
    const tradeId = this.store.insertTrade({
      buyHash: bid.hash,
      sellHash: offer.hash,
      buyer: bid.maker,
      seller: offer.maker,
      asset: bid.asset,
      quantity: quantity.toString(),
      price,
    });
    try {
      await this.dvp.matchOrders.staticCall(...args);
      // A free-gas private chain (gas price 0) takes legacy transactions at price 0 from keys holding no ether.
      const gasPrice = this.gasPrice ?? (await this.operator.provider!.getFeeData()).gasPrice;
      const request = await this.operator.populateTransaction({
        ...(await this.dvp.matchOrders.populateTransaction(...args)),
        ...(this.gasPrice !== undefined || gasPrice === 0n ? { gasPrice } : {}),
      });
      const signed = await this.operator.signTransaction(request);
      const txHash = ethers.keccak256(signed);
      this.store.updateTrade(tradeId, "sent", txHash);
      const refused = await this.operator.provider!.broadcastTransaction(signed).then(
        () => false,
        (e: Error) => {
          // A lost answer is not a lost transaction: the receipt below decides.
          this.log(`trade ${tradeId}: broadcast reported ${e.message.split("\n")[0]}`);
          return true;
        },
      );
      const receipt = await this.receipt(txHash, refused ? 2_000 : 60_000);
      this.store.updateTrade(tradeId, receipt?.status === 1 ? "done" : "failed");
      // Not retried by this process: a refused transaction would be refused again. The chain's
      // filled amounts (read below) decide what remains; a restart tries the pair again.
      if (receipt?.status !== 1) this.failedPairs.add(`${bid.hash}:${offer.hash}`);
      this.log(
        `trade ${tradeId}: ${quantity} at ${price}, ${receipt?.status === 1 ? "settled" : "failed"} (${txHash})`,
      );
    } catch (e) {
      this.store.updateTrade(tradeId, "failed");
      this.failedPairs.add(`${bid.hash}:${offer.hash}`);
      this.log(`trade ${tradeId} failed: ${(e as Error).message.split("\n")[0]}`);
    }
    // The chain's filled amounts are the truth, whatever happened above.
    await this.refresh(this.store.order(bid.hash)!);
    await this.refresh(this.store.order(offer.hash)!);
  }

  /** Polls for a transaction's receipt (null if it is not mined within `timeoutMs`). */
  private async receipt(txHash: string, timeoutMs: number): Promise<ethers.TransactionReceipt | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const receipt = await this.operator.provider!.getTransactionReceipt(txHash);
      if (receipt || Date.now() > deadline) return receipt;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private entry(row: OrderRow): BookEntry {
    return { hash: row.hash, maker: row.maker, price: row.price, remaining: row.remaining, seq: row.seq };
  }

  /** Open bids (highest price first) and offers (lowest first) of an asset, earlier first at a price. */
  book(asset: string): { bids: BookEntry[]; offers: BookEntry[] } {
    const open = this.store.openOrders(ethers.getAddress(asset));
    const sort = (dir: number) => (a: OrderRow, b: OrderRow) => {
      const d = BigInt(a.price) - BigInt(b.price);
      return d !== 0n ? (d < 0n ? -dir : dir) : a.seq - b.seq;
    };
    return {
      bids: open
        .filter((o) => o.side === Side.Buy)
        .sort(sort(-1))
        .map((o) => this.entry(o)),
      offers: open
        .filter((o) => o.side === Side.Sell)
        .sort(sort(1))
        .map((o) => this.entry(o)),
    };
  }

  ordersOf(maker: string) {
    return this.store
      .ordersOf(ethers.getAddress(maker))
      .map((o) => ({ ...this.entry(o), side: o.side, status: o.status }));
  }

  tradesOf(member: string): TradeRow[] {
    return this.store.trades({ member: ethers.getAddress(member) });
  }

  /** Waits for queued work, then closes the database. */
  async close(): Promise<void> {
    await this.queue;
    this.store.close();
  }
}

import { ethers } from "ethers";

/** EIP-712 domain name and version of DvPSettlement's orders (each at most 31 bytes). */
export const ORDER_DOMAIN_NAME = "ConsortiumDvP";
export const ORDER_DOMAIN_VERSION = "1";

/** Mirrors `IDvPSettlement.Side`. */
export const Side = { Buy: 0, Sell: 1 } as const;
export type SideValue = (typeof Side)[keyof typeof Side];

/** `IDvPSettlement.Order`, as signed and sent. */
export interface Order {
  maker: string;
  side: SideValue;
  asset: string;
  cash: string;
  quantity: bigint;
  price: bigint;
  minFill: bigint;
  taker: string;
  expiry: bigint;
  nonce: bigint;
  salt: bigint;
  deferred: boolean;
}

/** The EIP-712 types of an order (field order as in the contract's ORDER_TYPEHASH). */
export const ORDER_TYPES: Record<string, ethers.TypedDataField[]> = {
  Order: [
    { name: "maker", type: "address" },
    { name: "side", type: "uint8" },
    { name: "asset", type: "address" },
    { name: "cash", type: "address" },
    { name: "quantity", type: "uint256" },
    { name: "price", type: "uint256" },
    { name: "minFill", type: "uint256" },
    { name: "taker", type: "address" },
    { name: "expiry", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "salt", type: "uint256" },
    { name: "deferred", type: "bool" },
  ],
};

/** The EIP-712 domain of the DvP contract `verifyingContract` on chain `chainId`. */
export function orderDomain(chainId: bigint | number, verifyingContract: string): ethers.TypedDataDomain {
  return { name: ORDER_DOMAIN_NAME, version: ORDER_DOMAIN_VERSION, chainId, verifyingContract };
}

/** The order's identifier: its EIP-712 digest (what the maker signs; never the signature). */
export function orderHash(order: Order, chainId: bigint | number, dvp: string): string {
  return ethers.TypedDataEncoder.hash(orderDomain(chainId, dvp), ORDER_TYPES, order);
}

/** Signs an order off line (no provider needed). */
export async function signOrder(
  signer: Pick<ethers.Signer, "signTypedData">,
  order: Order,
  chainId: bigint | number,
  dvp: string,
): Promise<string> {
  return signer.signTypedData(orderDomain(chainId, dvp), ORDER_TYPES, order);
}

/** The address that signed `order` with an ECDSA signature (contract wallets use ERC-1271 instead). */
export function recoverOrderSigner(order: Order, signature: string, chainId: bigint | number, dvp: string): string {
  return ethers.verifyTypedData(orderDomain(chainId, dvp), ORDER_TYPES, order, signature);
}

/** A signed order as a file or an HTTP body holds it: numbers as decimal strings. */
export interface SignedOrderJson {
  chainId: string;
  dvp: string;
  order: Record<keyof Order, string | number | boolean>;
  signature: string;
  hash: string;
}

export function orderToJson(order: Order): SignedOrderJson["order"] {
  return {
    maker: order.maker,
    side: order.side,
    asset: order.asset,
    cash: order.cash,
    quantity: order.quantity.toString(),
    price: order.price.toString(),
    minFill: order.minFill.toString(),
    taker: order.taker,
    expiry: order.expiry.toString(),
    nonce: order.nonce.toString(),
    salt: order.salt.toString(),
    deferred: order.deferred,
  };
}

/** Reads an order back from JSON; throws an Error naming the first bad field. */
export function orderFromJson(raw: unknown): Order {
  if (typeof raw !== "object" || raw === null) throw new Error("order: expected an object");
  const o = raw as Record<string, unknown>;
  const address = (k: string): string => {
    const v = o[k];
    if (typeof v !== "string" || !ethers.isAddress(v)) throw new Error(`order.${k}: not an address`);
    return ethers.getAddress(v);
  };
  const uint = (k: string, bits = 256): bigint => {
    const v = o[k];
    if ((typeof v !== "string" && typeof v !== "number") || !/^[0-9]+$/.test(String(v))) {
      throw new Error(`order.${k}: not a non-negative integer`);
    }
    const n = BigInt(v);
    if (n >= 1n << BigInt(bits)) throw new Error(`order.${k}: too large`);
    return n;
  };
  const side = Number(o.side);
  if (o.side === undefined || (side !== Side.Buy && side !== Side.Sell))
    throw new Error("order.side: 0 (buy) or 1 (sell)");
  if (typeof o.deferred !== "boolean") throw new Error("order.deferred: not a boolean");
  return {
    maker: address("maker"),
    side: side as SideValue,
    asset: address("asset"),
    cash: address("cash"),
    quantity: uint("quantity", 128),
    price: uint("price"),
    minFill: uint("minFill"),
    taker: address("taker"),
    expiry: uint("expiry", 64),
    nonce: uint("nonce"),
    salt: uint("salt"),
    deferred: o.deferred,
  };
}

/** Reads a signed order document (file or HTTP body); throws an Error naming what is wrong. */
export function signedOrderFromJson(raw: unknown): { chainId: bigint; dvp: string; order: Order; signature: string } {
  if (typeof raw !== "object" || raw === null) throw new Error("signed order: expected an object");
  const d = raw as Record<string, unknown>;
  if (typeof d.signature !== "string" || !ethers.isHexString(d.signature)) {
    throw new Error("signature: not a hex string");
  }
  if (typeof d.dvp !== "string" || !ethers.isAddress(d.dvp)) throw new Error("dvp: not an address");
  if (typeof d.chainId !== "string" || !/^[0-9]+$/.test(d.chainId)) throw new Error("chainId: not an integer");
  return {
    chainId: BigInt(d.chainId),
    dvp: ethers.getAddress(d.dvp),
    order: orderFromJson(d.order),
    signature: d.signature,
  };
}

/** The cash a fill of `quantity` at `price` moves. */
export function cashFor(quantity: bigint, price: bigint): bigint {
  return quantity * price;
}

/** The kind tag of the files order:sign writes. */
export const ORDER_FILE_KIND = "consortium-dvp-order";

/** A signed order document (order:sign's file; the venue's POST /orders body). */
export function signedOrderDocument(order: Order, signature: string, chainId: bigint, dvp: string): SignedOrderJson {
  return {
    chainId: chainId.toString(),
    dvp,
    order: orderToJson(order),
    signature,
    hash: orderHash(order, chainId, dvp),
  };
}

/** `buy` or `sell`. */
export function parseSide(value: unknown): SideValue {
  const text = String(value ?? "")
    .trim()
    .toLowerCase();
  if (text === "buy") return Side.Buy;
  if (text === "sell") return Side.Sell;
  throw new Error(`--side: "${String(value ?? "")}" is neither buy nor sell`);
}

export function sideName(side: SideValue): "buy" | "sell" {
  return side === Side.Buy ? "buy" : "sell";
}

/** What the chain says of an order now: filled quantity, cancellation, expiry. */
export interface OrderStatus {
  hash: string;
  filled: bigint;
  remaining: bigint;
  cancelled: boolean;
  expired: boolean;
}

/** Reads an order's status from the DvP contract (`dvp` is a DvPSettlement contract). */
export async function orderStatus(
  dvp: {
    orderHash(o: Order): Promise<string>;
    filledOf(h: string): Promise<bigint>;
    isOrderCancelled(h: string): Promise<boolean>;
    minNonceOf(a: string): Promise<bigint>;
  },
  order: Order,
  now: bigint,
): Promise<OrderStatus> {
  const hash = await dvp.orderHash(order);
  const [filled, cancelledOne, minNonce] = await Promise.all([
    dvp.filledOf(hash),
    dvp.isOrderCancelled(hash),
    dvp.minNonceOf(order.maker),
  ]);
  const remaining = order.quantity > filled ? order.quantity - filled : 0n;
  return { hash, filled, remaining, cancelled: cancelledOne || order.nonce < minNonce, expired: order.expiry <= now };
}

import { ethers } from "ethers";
import type { IdentityRegistry } from "../../typechain-types";
import { requireContract } from "./assets";
import { type Labels, entityLabelOf, formatTime, labelOf } from "./describe";
import { GovError } from "./errors";
import { type CsvRow, type RowProblem, fieldError, parseField } from "./csv";
import { entityIdOf } from "./invoiceKey";
import { parseAddress, parseSeconds } from "./parse";
import type { System } from "./system";

/** The participant attribute flags by their command-line names (mirrors ParticipantAttributes.sol). */
export const ATTRIBUTES = {
  investor: 1 << 0,
  "qualified-investor": 1 << 1,
  supplier: 1 << 2,
  financier: 1 << 3,
  debtor: 1 << 4,
  "credit-officer": 1 << 5,
} as const;
export type AttributeName = keyof typeof ATTRIBUTES;
const ALL_ATTRIBUTES = Object.values(ATTRIBUTES).reduce((a, b) => a | b, 0);

/** ISO 3166-1 alpha-2 codes accepted besides the numeric code (the consortium's usual countries). */
export const COUNTRY_CODES: Record<string, number> = { CN: 156, HK: 344, MO: 446, SG: 702, US: 840, GB: 826, JP: 392 };

/** KYC expiries are 32-bit timestamps in the registry (until 2106-02-07). */
const MAX_EXPIRY = 2n ** 32n - 1n;

/** The registry of the deployment, typed. */
export function identityRegistryOf(sys: System): IdentityRegistry {
  return requireContract(sys, "identity-registry") as unknown as IdentityRegistry;
}

/** `investor+supplier` (also `,`, `|` or spaces between names), `none`, or a number of flags. */
export function parseAttributes(value: unknown, what: string): number {
  const text = String(value ?? "")
    .trim()
    .toLowerCase();
  if (text === "" || text === "none" || text === "0") return 0;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n > ALL_ATTRIBUTES)
      throw new GovError(`${what}: ${n} has unknown attribute flags (known: 1 to ${ALL_ATTRIBUTES})`);
    return n;
  }
  let flags = 0;
  for (const name of text.split(/[+,|\s]+/).filter(Boolean)) {
    const flag = ATTRIBUTES[name as AttributeName];
    if (flag === undefined) {
      throw new GovError(`${what}: unknown attribute "${name}" (say ${Object.keys(ATTRIBUTES).join(", ")} or none)`);
    }
    flags |= flag;
  }
  return flags;
}

/** The names of a bit set of attributes (`[]` for none). */
export function attributeNames(flags: number | bigint): string[] {
  const n = Number(flags);
  return (Object.entries(ATTRIBUTES) as [AttributeName, number][]).filter(([, f]) => (n & f) === f).map(([k]) => k);
}

/** An ISO 3166-1 numeric code (1-999) or one of COUNTRY_CODES' alpha-2 codes. */
export function parseCountry(value: unknown, what: string): number {
  const text = String(value ?? "")
    .trim()
    .toUpperCase();
  if (/^\d{1,3}$/.test(text) && Number(text) > 0) return Number(text);
  const code = COUNTRY_CODES[text];
  if (code === undefined) {
    throw new GovError(
      `${what}: "${text}" is not a country (an ISO 3166-1 numeric code such as 156, or ${Object.keys(COUNTRY_CODES).join(", ")})`,
    );
  }
  return code;
}

/**
 * A KYC expiry: a duration from the chain's time (`365d`, `36h`) or a date with its zone
 * (`2027-06-30T00:00:00Z`, `2027-06-30T08:00:00+08:00`). A date without a zone is refused: the
 * tasks never read the local clock's zone. Must be after `now` and fit the registry's 32 bits.
 */
export function parseExpiry(value: unknown, now: bigint, what: string): bigint {
  const text = String(value ?? "").trim();
  let expiry: bigint;
  if (/^\d+\s*(s|m|min|h|d|w)?$/.test(text)) {
    expiry = now + parseSeconds(text, what, 1n, MAX_EXPIRY);
  } else if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
      throw new GovError(`${what}: "${text}" has no time zone (end it with Z or +08:00; local time is never assumed)`);
    }
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new GovError(`${what}: "${text}" is not a valid date`);
    expiry = BigInt(Math.floor(ms / 1000));
    if (expiry <= now) {
      throw new GovError(`${what}: ${text} is not in the future (the chain's time is ${formatTime(now)})`);
    }
  } else {
    throw new GovError(
      `${what}: "${text}" is neither a duration from now (365d, 36h) nor a date with a zone (2027-06-30T00:00:00Z)`,
    );
  }
  if (expiry > MAX_EXPIRY) throw new GovError(`${what}: ${text} is after 2106-02-07 (the registry's limit)`);
  return expiry;
}

/** An entity: a 0x 32-byte id, or the name its id is hashed from (`ethers.id(name)`). */
export function parseEntity(value: unknown, what: string): string {
  const text = String(value ?? "").trim();
  if (text === "") throw new GovError(`${what}: empty (give a 0x 32-byte id or the entity's name)`);
  if (/^0x/i.test(text) && !/^0x[0-9a-fA-F]{64}$/.test(text)) {
    throw new GovError(`${what}: "${text}" is not a 32-byte id (0x and 64 hex digits)`);
  }
  const id = entityIdOf(text);
  if (id === ethers.ZeroHash) throw new GovError(`${what}: the zero entity is refused by the registry`);
  return id;
}

/** A wallet's state in the registry, as identity:show prints it (the --json shape). */
export interface IdentityView {
  wallet: string;
  /** The wallet's name (labels.json, a member's or a contract's), or null. */
  label: string | null;
  registered: boolean;
  verified: boolean;
  entityId: string | null;
  /** The entity's name in labels.json, or null. */
  entityLabel: string | null;
  /** The entity the wallet is bound to (also after removal), or null when never registered. */
  boundEntityId: string | null;
  country: number | null;
  expiry: string | null;
  expiryTime: number | null;
  attributes: string[];
  attributeFlags: number;
  entityWallets: number;
  onchainId: string | null;
}

/** Reads `wallet`'s record and its entity's. */
export async function readIdentity(sys: System, labels: Labels | undefined, wallet: string): Promise<IdentityView> {
  const registry = identityRegistryOf(sys);
  const [registered, verified, bound] = await Promise.all([
    registry.contains(wallet),
    registry.isVerified(wallet),
    registry.boundEntityOf(wallet),
  ]);
  const boundEntityId = bound === ethers.ZeroHash ? null : bound;
  const view: IdentityView = {
    wallet: ethers.getAddress(wallet),
    label: labelOf(labels, wallet),
    registered,
    verified,
    entityId: null,
    entityLabel: boundEntityId ? entityLabelOf(labels, boundEntityId) : null,
    boundEntityId,
    country: null,
    expiry: null,
    expiryTime: null,
    attributes: [],
    attributeFlags: 0,
    entityWallets: 0,
    onchainId: null,
  };
  if (boundEntityId) view.entityWallets = Number(await registry.walletCountOf(boundEntityId));
  if (!registered) return view;
  const record = await registry.identityOf(wallet);
  const onchainId = await registry.identity(wallet);
  return {
    ...view,
    entityId: record.entityId,
    country: Number(record.country),
    expiry: formatTime(record.expiry),
    expiryTime: Number(record.expiry),
    attributes: attributeNames(record.attributes),
    attributeFlags: Number(record.attributes),
    onchainId: onchainId === ethers.ZeroAddress ? null : onchainId,
  };
}

/** The lines identity:show prints for a view. */
export function identityLines(view: IdentityView): string[] {
  const wallet = view.label === null ? view.wallet : `${view.wallet} (${view.label})`;
  const entity = (id: string) => (view.entityLabel === null ? id : `${id} (${view.entityLabel})`);
  if (!view.registered) {
    return [
      `${wallet}: not registered${view.boundEntityId ? ` (removed; stays bound to entity ${entity(view.boundEntityId)})` : ""}.`,
    ];
  }
  return [
    `${wallet}: ${view.verified ? "verified" : "registered, KYC EXPIRED"}`,
    `  entity:      ${entity(view.entityId as string)} (${view.entityWallets} registered wallet(s))`,
    `  country:     ${view.country}`,
    `  KYC expiry:  ${view.expiry}`,
    `  attributes:  ${view.attributes.length === 0 ? "none" : view.attributes.join(", ")} (flags ${view.attributeFlags})`,
    `  ONCHAINID:   ${view.onchainId ?? "none"}`,
  ];
}

/** A wallet argument: an address (with a one-line error naming `what`). */
export function parseWallet(value: unknown, what: string): string {
  const wallet = parseAddress(value, what);
  if (wallet === ethers.ZeroAddress) throw new GovError(`${what}: the zero address cannot be a participant`);
  return wallet;
}

/** What one row of identity:import does. */
export type ImportAction = "register" | "update" | "remove";

/** One checked row of an identity:import file. */
export interface ImportRow {
  line: number;
  action: ImportAction;
  wallet: string;
  entityId: string | null;
  country: number | null;
  expiry: bigint | null;
  attributes: number | null;
}

/** The columns of an identity:import file. */
export const IMPORT_COLUMNS = {
  required: ["wallet"],
  optional: ["action", "entity", "country", "expiry", "attributes"],
};

/** Parses one row's fields (no chain reads but the time `now`); errors name the field. */
export function parseImportRow(row: CsvRow, now: bigint): ImportRow {
  const action = parseField(row, "action", (t) => {
    const a = (t === "" ? "register" : t.toLowerCase()) as ImportAction;
    if (!["register", "update", "remove"].includes(a)) throw new GovError(`"${t}": say register, update or remove`);
    return a;
  });
  const wallet = parseField(row, "wallet", (t) => parseWallet(t, "wallet"));
  const given = (name: string) => (row.fields[name] ?? "").trim() !== "";
  const needed = action === "register" ? ["entity", "country", "expiry"] : [];
  for (const name of needed) if (!given(name)) throw fieldError(name, `empty: a ${action} row needs it`);
  if (action === "remove") {
    for (const name of ["country", "expiry", "attributes"]) {
      if (given(name)) throw fieldError(name, "a remove row takes only the wallet (and optionally its entity)");
    }
  }
  const optional = <T>(name: string, parse: (text: string) => T): T | null =>
    given(name) ? parseField(row, name, parse) : null;
  return {
    line: row.line,
    action,
    wallet,
    entityId: optional("entity", (t) => parseEntity(t, "entity")),
    country: optional("country", (t) => parseCountry(t, "country")),
    expiry: optional("expiry", (t) => parseExpiry(t, now, "expiry")),
    attributes: optional("attributes", (t) => parseAttributes(t, "attributes")) ?? (action === "register" ? 0 : null),
  };
}

/**
 * Checks parsed rows against each other and the registry: a wallet appears once in a file; a
 * register row's wallet is not registered and, if it was once, has the same entity; update and
 * remove rows name registered wallets (of the given entity, if one is given). Returns the problems
 * (line, field, message), empty when every row can be sent.
 */
export async function checkImportRows(sys: System, rows: ImportRow[]): Promise<RowProblem[]> {
  const registry = identityRegistryOf(sys);
  const problems: RowProblem[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const key = row.wallet.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({ line: row.line, field: "wallet", message: `${row.wallet} is also on line ${earlier}` });
      continue;
    }
    seen.set(key, row.line);
    const [registered, bound] = await Promise.all([registry.contains(row.wallet), registry.boundEntityOf(row.wallet)]);
    if (row.action === "register" && registered) {
      problems.push({
        line: row.line,
        field: "wallet",
        message: `${row.wallet} is already registered (use action update)`,
      });
    } else if (row.action !== "register" && !registered) {
      problems.push({ line: row.line, field: "wallet", message: `${row.wallet} is not registered` });
    } else if (row.entityId !== null && bound !== ethers.ZeroHash && bound !== row.entityId) {
      problems.push({
        line: row.line,
        field: "entity",
        message: `${row.wallet} is bound to entity ${bound}, not ${row.entityId}`,
      });
    }
  }
  return problems;
}

/** The registry call that sends a group of rows of one action. */
export async function importCall(
  sys: System,
  action: ImportAction,
  rows: ImportRow[],
): Promise<{ fn: string; args: unknown[] }> {
  const registry = identityRegistryOf(sys);
  if (action === "register") {
    return {
      fn: "batchRegisterIdentity",
      args: [
        rows.map((r) => ({
          wallet: r.wallet,
          entityId: r.entityId,
          country: r.country,
          expiry: r.expiry,
          attributes: r.attributes,
        })),
      ],
    };
  }
  if (action === "remove") return { fn: "batchRemoveIdentity", args: [rows.map((r) => r.wallet)] };
  const updates = [];
  for (const r of rows) {
    const current = await registry.identityOf(r.wallet);
    updates.push({
      wallet: r.wallet,
      country: r.country ?? Number(current.country),
      expiry: r.expiry ?? current.expiry,
      attributes: r.attributes ?? Number(current.attributes),
    });
  }
  return { fn: "batchUpdateIdentity", args: [updates] };
}

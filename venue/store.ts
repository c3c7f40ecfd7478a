import fs from "node:fs";
import path from "node:path";
import initSqlJs, { type Database, type Value } from "sql.js";

/** An order in the book: the signed order as JSON, its arrival sequence and what remains of it. */
export interface OrderRow {
  hash: string;
  seq: number;
  maker: string;
  side: number;
  asset: string;
  cash: string;
  price: string;
  quantity: string;
  remaining: string;
  status: "open" | "filled" | "cancelled" | "expired";
  doc: string;
}

/** A match: `pending` is written before its transaction is sent, then `sent` (with the hash) and `done` or `failed`. */
export interface TradeRow {
  id: number;
  buyHash: string;
  sellHash: string;
  buyer: string;
  seller: string;
  asset: string;
  quantity: string;
  price: string;
  status: "pending" | "sent" | "done" | "failed";
  txHash: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  hash TEXT PRIMARY KEY, seq INTEGER NOT NULL, maker TEXT NOT NULL, side INTEGER NOT NULL,
  asset TEXT NOT NULL, cash TEXT NOT NULL, price TEXT NOT NULL, quantity TEXT NOT NULL,
  remaining TEXT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trades (
  id INTEGER PRIMARY KEY AUTOINCREMENT, buyHash TEXT NOT NULL, sellHash TEXT NOT NULL,
  buyer TEXT NOT NULL, seller TEXT NOT NULL, asset TEXT NOT NULL, quantity TEXT NOT NULL,
  price TEXT NOT NULL, status TEXT NOT NULL, txHash TEXT);
`;

/**
 * The venue's SQLite database (sql.js: SQLite in WebAssembly, no native build), kept in memory and
 * written to `<dataDir>/venue.sqlite` after every change: to a temporary file, flushed, then
 * renamed over the old one, so a kill -9 leaves either the previous or the new state, never half.
 */
export class Store {
  private constructor(
    private readonly db: Database,
    private readonly file: string,
  ) {}

  static async open(dataDir: string): Promise<Store> {
    fs.mkdirSync(dataDir, { recursive: true });
    const SQL = await initSqlJs();
    const file = path.join(dataDir, "venue.sqlite");
    const db = fs.existsSync(file) ? new SQL.Database(fs.readFileSync(file)) : new SQL.Database();
    db.exec(SCHEMA);
    const store = new Store(db, file);
    store.save();
    return store;
  }

  /** Writes the database atomically (temporary file, fsync, rename). */
  save(): void {
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, "w");
    try {
      fs.writeSync(fd, this.db.export());
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }

  private all<T>(sql: string, params: Record<string, Value> = {}): T[] {
    const stmt = this.db.prepare(sql);
    stmt.bind(params);
    const rows: T[] = [];
    while (stmt.step()) rows.push(stmt.getAsObject() as T);
    stmt.free();
    return rows;
  }

  nextSeq(): number {
    const [row] = this.all<{ n: number | null }>("SELECT MAX(seq) AS n FROM orders");
    return (row.n ?? 0) + 1;
  }

  order(hash: string): OrderRow | undefined {
    return this.all<OrderRow>("SELECT * FROM orders WHERE hash = $h", { $h: hash })[0];
  }

  insertOrder(o: OrderRow): void {
    this.db.run(
      "INSERT INTO orders VALUES ($hash,$seq,$maker,$side,$asset,$cash,$price,$quantity,$remaining,$status,$doc)",
      {
        $hash: o.hash,
        $seq: o.seq,
        $maker: o.maker,
        $side: o.side,
        $asset: o.asset,
        $cash: o.cash,
        $price: o.price,
        $quantity: o.quantity,
        $remaining: o.remaining,
        $status: o.status,
        $doc: o.doc,
      },
    );
    this.save();
  }

  updateOrder(hash: string, remaining: bigint, status: OrderRow["status"]): void {
    this.db.run("UPDATE orders SET remaining = $r, status = $s WHERE hash = $h", {
      $r: remaining.toString(),
      $s: status,
      $h: hash,
    });
    this.save();
  }

  openOrders(asset?: string): OrderRow[] {
    return asset
      ? this.all<OrderRow>("SELECT * FROM orders WHERE status = 'open' AND asset = $a ORDER BY seq", { $a: asset })
      : this.all<OrderRow>("SELECT * FROM orders WHERE status = 'open' ORDER BY seq");
  }

  ordersOf(maker: string): OrderRow[] {
    return this.all<OrderRow>("SELECT * FROM orders WHERE maker = $m ORDER BY seq", { $m: maker });
  }

  insertTrade(t: Omit<TradeRow, "id" | "txHash" | "status">): number {
    this.db.run(
      "INSERT INTO trades (buyHash,sellHash,buyer,seller,asset,quantity,price,status) VALUES ($b,$s,$bu,$se,$a,$q,$p,'pending')",
      { $b: t.buyHash, $s: t.sellHash, $bu: t.buyer, $se: t.seller, $a: t.asset, $q: t.quantity, $p: t.price },
    );
    const [row] = this.all<{ id: number }>("SELECT last_insert_rowid() AS id");
    this.save();
    return row.id;
  }

  updateTrade(id: number, status: TradeRow["status"], txHash?: string): void {
    this.db.run("UPDATE trades SET status = $s, txHash = COALESCE($t, txHash) WHERE id = $i", {
      $s: status,
      $t: txHash ?? null,
      $i: id,
    });
    this.save();
  }

  trades(where: "unsettled" | { member: string } | "all"): TradeRow[] {
    if (where === "unsettled")
      return this.all<TradeRow>("SELECT * FROM trades WHERE status IN ('pending','sent') ORDER BY id");
    if (where === "all") return this.all<TradeRow>("SELECT * FROM trades ORDER BY id");
    return this.all<TradeRow>("SELECT * FROM trades WHERE buyer = $m OR seller = $m ORDER BY id", { $m: where.member });
  }

  close(): void {
    this.db.close();
  }
}

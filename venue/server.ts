import http from "node:http";
import type { AddressInfo } from "node:net";
import { ethers } from "ethers";
import { type Venue, VenueError } from "./service";

const MAX_BODY = 64 * 1024;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json" });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new VenueError("request body too large"));
      else chunks.push(c);
    });
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(new VenueError("the body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}

function address(value: string | null, what: string): string {
  if (!value || !ethers.isAddress(value)) throw new VenueError(`${what}: not an address`);
  return ethers.getAddress(value);
}

/**
 * The venue's HTTP JSON API, on 127.0.0.1 only:
 * POST /orders (a signed order document), GET /book/<asset>, GET /orders?maker=<address>,
 * GET /trades?member=<address>, GET /health.
 */
export function serve(venue: Venue, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const route = async () => {
      if (req.method === "POST" && url.pathname === "/orders")
        return send(res, 201, await venue.submit(await readBody(req)));
      if (req.method !== "GET") return send(res, 405, { error: `${req.method} is not allowed here` });
      const book = /^\/book\/([^/]+)$/.exec(url.pathname);
      if (book) return send(res, 200, venue.book(address(book[1], "asset")));
      if (url.pathname === "/orders")
        return send(res, 200, { orders: venue.ordersOf(address(url.searchParams.get("maker"), "maker")) });
      if (url.pathname === "/trades")
        return send(res, 200, { trades: venue.tradesOf(address(url.searchParams.get("member"), "member")) });
      if (url.pathname === "/health") {
        const block = await venue.operator.provider!.getBlockNumber();
        return send(res, 200, {
          ok: true,
          chainId: venue.chainId.toString(),
          block,
          dvp: venue.dvp.target,
          operator: venue.operator.address,
          openOrders: venue.store.openOrders().length,
        });
      }
      return send(res, 404, { error: `no route ${url.pathname}` });
    };
    route().catch((e: Error) => send(res, e instanceof VenueError ? 400 : 500, { error: e.message.split("\n")[0] }));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

export function portOf(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}

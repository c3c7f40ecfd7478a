import fs from "node:fs";
import path from "node:path";
import type http from "node:http";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { impersonateFunded } from "../fixtures/settlement";
import { Venue } from "../../venue/service";
import { orderFromJson } from "../../tasks/lib/orders";
import { portOf, serve } from "../../venue/server";
import { TMP, expectTaskError, runTask, tasksFixture } from "./helpers";

const ONE_YEAR = 365 * 24 * 60 * 60;
let fileCount = 0;
const newFile = () => path.join(TMP, `order-${++fileCount}.json`);

/** The network account `index`'s wallet (hardhat's configured mnemonic), for the venue operator. */
function accountWallet(index: number) {
  const accounts = hre.network.config.accounts as { mnemonic: string; path: string; passphrase?: string };
  const seed = ethers.Mnemonic.fromPhrase(accounts.mnemonic, accounts.passphrase ?? "").computeSeed();
  return ethers.HDNodeWallet.fromSeed(seed).derivePath(`${accounts.path}/${index}`);
}

/**
 * tasksFixture with three traders, A (#8) and B (#9) and C (#10), each verified, holding 1,000
 * shares and 100,000.00 cash, approved; account #15 holds VENUE_OPERATOR_ROLE.
 */
async function orderFixture() {
  const f = await tasksFixture();
  const [a, b, c, outsider] = f.others;
  const dvpAddress = await f.dvpSettlement.getAddress();
  const expiry = (await time.latest()) + ONE_YEAR;
  for (const [i, w] of [a, b, c].entries()) {
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(w.address, ethers.id(`entity:O${i}`), Country.CN, expiry, Attr.INVESTOR);
    await f.securityToken.connect(f.agent).mint(w.address, 1_000n);
    await f.cashToken.connect(f.cashIssuer).mint(w.address, 10_000_000n);
    await f.securityToken.connect(w).approve(dvpAddress, ethers.MaxUint256);
    await f.cashToken.connect(w).approve(dvpAddress, ethers.MaxUint256);
  }
  const operatorIndex = 15;
  const operator = (await ethers.getSigners())[operatorIndex];
  const timelock = await impersonateFunded(await f.timelock.getAddress());
  await f.dvpSettlement.connect(timelock).grantRole(await f.dvpSettlement.VENUE_OPERATOR_ROLE(), operator.address);
  const asset = await f.securityToken.getAddress();
  return { ...f, a, b, c, outsider, dvpAddress, asset, operator, operatorIndex };
}
type Fixture = Awaited<ReturnType<typeof orderFixture>>;

/** Signs an order with order:sign and returns its file and hash. */
async function sign(f: Fixture, from: string, side: string, quantity: string, price: string, extra = {}) {
  const out = newFile();
  const { result } = await runTask<{ hash: string }>("order:sign", {
    deployment: f.deployment,
    from,
    side,
    asset: "security-token",
    cash: "cash-token",
    quantity,
    price,
    expiry: "1d",
    out,
    deferred: false,
    ...extra,
  });
  return { file: out, hash: result.hash };
}

describe("tasks: order:*", () => {
  it("order:sign writes a signed order whose hash is the contract's; order:fill takes part of it, then the rest", async () => {
    const f = await loadFixture(orderFixture);
    const { file, hash } = await sign(f, f.a.address, "sell", "100", "25.00");
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(doc.kind).to.equal("consortium-dvp-order");
    expect(await f.dvpSettlement.orderHash(orderFromJson(doc.order))).to.equal(hash);

    const dry = await runTask("order:fill", {
      deployment: f.deployment,
      from: f.b.address,
      file,
      quantity: "40",
      dryRun: true,
      json: true,
    });
    expect(JSON.parse(dry.text)).to.include({ dryRun: true, orderHash: hash, quantity: "40", cashAmount: "100000" });
    expect(await f.dvpSettlement.filledOf(hash)).to.equal(0n);

    await runTask("order:fill", {
      deployment: f.deployment,
      from: f.b.address,
      file,
      quantity: "40",
      dryRun: false,
      json: false,
    });
    expect(await f.dvpSettlement.filledOf(hash)).to.equal(40n);
    expect(await f.securityToken.balanceOf(f.b.address)).to.equal(1_040n);
    await expectTaskError(
      "order:fill",
      { deployment: f.deployment, from: f.b.address, file, quantity: "61", dryRun: false, json: false },
      /--quantity 61 SZPH is more than the 60 SZPH that remains/,
      [f.b.address],
    );
    await runTask("order:fill", { deployment: f.deployment, from: f.c.address, file, dryRun: false, json: false });
    expect(await f.dvpSettlement.filledOf(hash)).to.equal(100n);
    await expectTaskError(
      "order:fill",
      { deployment: f.deployment, from: f.c.address, file, dryRun: false, json: false },
      /is completely filled/,
    );
  });

  it("order:sign offline (--chain-id, --dvp) signs the same digest without the network", async () => {
    const f = await loadFixture(orderFixture);
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const out = newFile();
    const { result } = await runTask<{ hash: string; order: Record<string, string> }>("order:sign", {
      from: f.a.address,
      side: "buy",
      asset: f.asset,
      cash: await f.cashToken.getAddress(),
      quantity: "5",
      price: "2500",
      // Offline, "2d" counts from this computer's clock; the in-process chain's clock runs ahead
      // of it after the suite's time jumps, so give a date two days after the chain's time.
      expiry: new Date(((await time.latest()) + 2 * 86400) * 1000).toISOString(),
      out,
      chainId: chainId.toString(),
      dvp: f.dvpAddress,
      deferred: true,
    });
    expect(await f.dvpSettlement.orderHash(orderFromJson(result.order))).to.equal(result.hash);
    await runTask("order:fill", { deployment: f.deployment, from: f.b.address, file: out, dryRun: false, json: false });
    const ticket = await f.dvpSettlement.ticketOf(await f.dvpSettlement.ticketCount());
    expect(ticket.status).to.equal(2n); // deferred: Ready
  });

  it("order:sign --json prints the signed order document (and where it was written) as JSON", async () => {
    const f = await loadFixture(orderFixture);
    const out = newFile();
    const { text } = await runTask("order:sign", {
      deployment: f.deployment,
      from: f.a.address,
      side: "sell",
      asset: "security-token",
      cash: "cash-token",
      quantity: "7",
      price: "25.00",
      expiry: "1d",
      out,
      deferred: false,
      json: true,
    });
    const printed = JSON.parse(text);
    expect(printed).to.deep.equal({ file: out, ...JSON.parse(fs.readFileSync(out, "utf8")) });
    expect(printed.order).to.include({ maker: f.a.address, quantity: "7", price: "2500" });
    expect(await f.dvpSettlement.orderHash(orderFromJson(printed.order))).to.equal(printed.hash);
  });

  it("order:sign refuses bad input before signing", async () => {
    const f = await loadFixture(orderFixture);
    const base = {
      deployment: f.deployment,
      from: f.a.address,
      asset: "security-token",
      cash: "cash-token",
      quantity: "1",
      price: "1",
      expiry: "1d",
      deferred: false,
    };
    await expectTaskError(
      "order:sign",
      { ...base, side: "hold", out: newFile() },
      /--side: "hold" is neither buy nor sell/,
    );
    await expectTaskError("order:sign", { ...base, side: "buy" }, /order:sign needs --out/);
    const { file } = await sign(f, f.a.address, "buy", "1", "1");
    await expectTaskError("order:sign", { ...base, side: "buy", out: file }, /already exists/);
    await expectTaskError(
      "order:sign",
      { ...base, side: "buy", out: newFile(), chainId: "1" },
      /offline signing needs both --chain-id and --dvp/,
    );
  });

  it("order:cancel cancels one order (its maker only), or every order up to a nonce", async () => {
    const f = await loadFixture(orderFixture);
    const first = await sign(f, f.a.address, "sell", "10", "1.00");
    await expectTaskError(
      "order:cancel",
      { deployment: f.deployment, from: f.b.address, file: first.file, dryRun: false, json: false },
      /only the maker .* may cancel this order/,
    );
    const { result } = await runTask<{ orderHash: string }>("order:cancel", {
      deployment: f.deployment,
      from: f.a.address,
      file: first.file,
      dryRun: false,
      json: true,
    });
    expect(result.orderHash).to.equal(first.hash);
    expect(await f.dvpSettlement.isOrderCancelled(first.hash)).to.equal(true);
    const second = await sign(f, f.a.address, "sell", "10", "1.00", { nonce: "3" });
    await runTask("order:cancel", {
      deployment: f.deployment,
      from: f.a.address,
      upTo: "3",
      dryRun: false,
      json: false,
    });
    expect(await f.dvpSettlement.minNonceOf(f.a.address)).to.equal(4n);
    await expectTaskError(
      "order:fill",
      { deployment: f.deployment, from: f.b.address, file: second.file, dryRun: false, json: false },
      /is cancelled/,
    );
    await expectTaskError(
      "order:cancel",
      { deployment: f.deployment, from: f.a.address, upTo: "2", dryRun: false, json: false },
      /--up-to must be at least 4/,
    );
    await expectTaskError(
      "order:cancel",
      { deployment: f.deployment, from: f.a.address, dryRun: false, json: false },
      /either an order file or --up-to/,
    );
  });
});

describe("venue (in-process) with order:submit and order:book", () => {
  async function startVenue(f: Fixture, dataDir: string, gasPrice?: bigint) {
    const operator = accountWallet(f.operatorIndex).connect(ethers.provider);
    const venue = await Venue.start({ operator, dvpAddress: f.dvpAddress, dataDir, gasPrice });
    const server = await serve(venue, 0);
    return { venue, server, url: `http://127.0.0.1:${portOf(server)}` };
  }
  async function stop(v: { venue: Venue; server: http.Server }) {
    await new Promise((r) => v.server.close(r));
    await v.venue.close();
  }

  it("books two bids and two offers in price-time priority, matches at the resting price, survives a restart", async () => {
    const f = await loadFixture(orderFixture);
    const dataDir = fs.mkdtempSync(path.join(TMP, "venue-"));
    let v = await startVenue(f, dataDir);
    const submit = async (o: { file: string }) =>
      runTask<{ venue: { trades: unknown[] } }>("order:submit", {
        file: o.file,
        venue: v.url,
        dryRun: false,
        json: true,
      });
    const bid1 = await sign(f, f.b.address, "buy", "30", "24.00");
    const bid2 = await sign(f, f.c.address, "buy", "20", "24.50");
    const offer1 = await sign(f, f.a.address, "sell", "25", "26.00");
    for (const o of [bid1, bid2, offer1]) await submit(o);
    const { result: book } = await runTask<{ bids: { hash: string }[]; offers: { hash: string }[] }>("order:book", {
      asset: f.asset,
      venue: v.url,
      json: true,
    });
    expect(book.bids.map((b) => b.hash)).to.deep.equal([bid2.hash, bid1.hash]);
    expect(book.offers.map((o) => o.hash)).to.deep.equal([offer1.hash]);

    // An offer at 24.00 crosses the best bid (24.50, resting): 20 print at 24.50, then 5 at 24.00 with bid1.
    const cashBefore = await f.cashToken.balanceOf(f.a.address);
    const offer2 = await sign(f, f.a.address, "sell", "25", "24.00");
    await submit(offer2);
    expect(await f.cashToken.balanceOf(f.a.address)).to.equal(cashBefore + 20n * 2450n + 5n * 2400n);
    expect(await f.dvpSettlement.filledOf(bid2.hash)).to.equal(20n);
    expect(await f.dvpSettlement.filledOf(bid1.hash)).to.equal(5n);
    const trades = (await (await fetch(`${v.url}/trades?member=${f.a.address}`)).json()) as {
      trades: { price: string; status: string }[];
    };
    expect(trades.trades.map((t) => [t.price, t.status])).to.deep.equal([
      ["2450", "done"],
      ["2400", "done"],
    ]);
    const health = (await (await fetch(`${v.url}/health`)).json()) as { ok: boolean; openOrders: number };
    expect(health).to.include({ ok: true, openOrders: 2 });

    // Down: bid1 is partly filled directly on chain meanwhile; the restarted venue reads that back.
    await stop(v);
    const doc = JSON.parse(fs.readFileSync(bid1.file, "utf8"));
    await f.dvpSettlement.connect(f.c).fill(orderFromJson(doc.order), doc.signature, 5n);
    v = await startVenue(f, dataDir);
    const after = (await (await fetch(`${v.url}/book/${f.asset}`)).json()) as {
      bids: { hash: string; remaining: string }[];
    };
    expect(after.bids).to.deep.include({ ...after.bids[0], hash: bid1.hash, remaining: "20" });
    const mine = (await (await fetch(`${v.url}/orders?maker=${f.a.address}`)).json()) as {
      orders: { status: string }[];
    };
    expect(mine.orders.map((o) => o.status)).to.deep.equal(["open", "filled"]);
    await stop(v);
  });

  it("a match the node refuses (the operator cannot pay its gas price) is recorded failed once, not retried; a restart tries again", async () => {
    const f = await loadFixture(orderFixture);
    const dataDir = fs.mkdtempSync(path.join(TMP, "venue-"));
    const balance = await ethers.provider.getBalance(f.operator.address);
    await setBalance(f.operator.address, 0n);
    let v = await startVenue(f, dataDir, 10n ** 9n); // 1 gwei from a key without ether
    const bid = await sign(f, f.b.address, "buy", "10", "25.00");
    const offer = await sign(f, f.c.address, "sell", "10", "25.00");
    for (const o of [bid, offer]) {
      await runTask("order:submit", { file: o.file, venue: v.url, dryRun: false, json: true });
    }
    const trades = async () =>
      ((await (await fetch(`${v.url}/trades?member=${f.b.address}`)).json()) as { trades: { status: string }[] })
        .trades;
    expect((await trades()).map((t) => t.status)).to.deep.equal(["failed"]);
    expect(await f.dvpSettlement.filledOf(bid.hash)).to.equal(0n);
    const book = (await (await fetch(`${v.url}/book/${f.asset}`)).json()) as {
      bids: { hash: string; remaining: string }[];
      offers: { hash: string; remaining: string }[];
    };
    expect([...book.bids, ...book.offers].map((o) => [o.hash, o.remaining])).to.deep.equal([
      [bid.hash, "10"],
      [offer.hash, "10"],
    ]);
    await stop(v);

    await setBalance(f.operator.address, balance);
    v = await startVenue(f, dataDir);
    expect((await trades()).map((t) => t.status)).to.deep.equal(["failed", "done"]);
    expect(await f.dvpSettlement.filledOf(bid.hash)).to.equal(10n);
    expect(await f.dvpSettlement.filledOf(offer.hash)).to.equal(10n);
    await stop(v);
  });

  it("refuses orders it cannot trade: bad signature, unverified maker, short balance, duplicates, firm quotes", async () => {
    const f = await loadFixture(orderFixture);
    const v = await startVenue(f, fs.mkdtempSync(path.join(TMP, "venue-")));
    const post = async (body: unknown) => {
      const res = await fetch(`${v.url}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { error?: string } };
    };
    const good = JSON.parse(fs.readFileSync((await sign(f, f.a.address, "sell", "10", "1.00")).file, "utf8"));
    expect((await post({ ...good, order: { ...good.order, price: "2" } })).body.error).to.match(/not the maker's/);
    expect((await post(good)).status).to.equal(201);
    expect((await post(good)).body.error).to.match(/already in the book/);
    const big = JSON.parse(fs.readFileSync((await sign(f, f.a.address, "sell", "5000", "1.00")).file, "utf8"));
    expect((await post(big)).body.error).to.match(/holds 1000 of .*, 5000 needed/);
    const rfq = JSON.parse(
      fs.readFileSync((await sign(f, f.a.address, "sell", "1", "1.00", { taker: f.b.address })).file, "utf8"),
    );
    expect((await post(rfq)).body.error).to.match(/firm quote/);
    await f.identityRegistry.connect(f.registrar);
    const stranger = JSON.parse(fs.readFileSync((await sign(f, f.outsider.address, "buy", "1", "1.00")).file, "utf8"));
    expect((await post(stranger)).body.error).to.match(/is not a verified participant/);
    expect((await post({ nonsense: true })).status).to.equal(400);
    await expectTaskError("order:book", { asset: "0x12", venue: v.url, json: false }, /asset/);
    await expectTaskError(
      "order:submit",
      { file: "/nonexistent.json", venue: v.url, dryRun: false, json: false },
      /no order file/,
    );
    await new Promise((r) => v.server.close(r));
    await v.venue.close();
  });
});

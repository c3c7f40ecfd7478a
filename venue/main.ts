/**
 * `npm run venue`: the matching venue on 127.0.0.1. Environment:
 * VENUE_OPERATOR_KEY (required: the key holding VENUE_OPERATOR_ROLE), VENUE_RPC_URL (default
 * http://127.0.0.1:8545), VENUE_DVP (the DvP contract) or VENUE_DEPLOYMENT (a deployed_addresses.json
 * holding Settlement#DvPSettlement), VENUE_DATA_DIR (default ./venue-data), VENUE_PORT (default 8645),
 * VENUE_GAS_PRICE (a fixed gas price in wei for the match transactions, e.g. 0 on a free-gas chain;
 * default: the node's).
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { Venue } from "./service";
import { portOf, serve } from "./server";

function fail(message: string): never {
  console.error(`venue: ${message}`);
  process.exit(1);
}

async function main() {
  const key = process.env.VENUE_OPERATOR_KEY;
  if (!key || !/^(0x)?[0-9a-fA-F]{64}$/.test(key)) fail("set VENUE_OPERATOR_KEY to the operator's private key (hex)");
  let dvp = process.env.VENUE_DVP;
  if (!dvp && process.env.VENUE_DEPLOYMENT) {
    const file = path.resolve(process.env.VENUE_DEPLOYMENT);
    if (!fs.existsSync(file)) fail(`no deployment file ${file}`);
    dvp = (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>)["Settlement#DvPSettlement"];
  }
  if (!dvp || !ethers.isAddress(dvp)) fail("set VENUE_DVP (the DvP contract's address) or VENUE_DEPLOYMENT");
  const port = Number(process.env.VENUE_PORT ?? 8645);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`VENUE_PORT ${process.env.VENUE_PORT} is not a port`);
  const gasPriceText = process.env.VENUE_GAS_PRICE;
  if (gasPriceText !== undefined && !/^\d{1,30}$/.test(gasPriceText)) {
    fail(`VENUE_GAS_PRICE ${gasPriceText} is not a whole number of wei`);
  }
  const provider = new ethers.JsonRpcProvider(process.env.VENUE_RPC_URL ?? "http://127.0.0.1:8545", undefined, {
    polling: true,
    pollingInterval: 200,
  });
  const operator = new ethers.Wallet(key, provider);
  const venue = await Venue.start({
    operator,
    dvpAddress: dvp,
    dataDir: path.resolve(process.env.VENUE_DATA_DIR ?? "venue-data"),
    gasPrice: gasPriceText !== undefined ? BigInt(gasPriceText) : undefined,
    log: (line) => console.log(`venue: ${line}`),
  });
  const server = await serve(venue, port);
  console.log(`venue: listening on http://127.0.0.1:${portOf(server)} (operator ${operator.address}, DvP ${dvp})`);
}

main().catch((e: Error) => fail(e.message.split("\n")[0]));

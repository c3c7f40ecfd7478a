import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, encryptKeystoreJsonSync } from "ethers";
import {
  ConsortiumNetworkConfigError,
  consortiumNetworkFromEnv,
  consortiumNetworkSelected,
} from "../../config/consortium-network";

const KEY_A = "0x" + "11".repeat(32);
const KEY_B = "0x" + "22".repeat(32);
const BASE = { CONSORTIUM_RPC_URL: "https://rpc.node1.consortium.example:8545", CONSORTIUM_CHAIN_ID: "1337" };

function rejects(env: Record<string, string>, message: string) {
  expect(() => consortiumNetworkFromEnv(env))
    .to.throw(ConsortiumNetworkConfigError)
    .with.property("message", message);
}

describe("consortium network from environment variables", function () {
  describe("a complete environment", function () {
    it("gives url, chain id, zero gas price by default, and the keys", function () {
      expect(
        consortiumNetworkFromEnv({ ...BASE, CONSORTIUM_PRIVATE_KEYS: `${KEY_A}, ${KEY_B.slice(2)}` }),
      ).to.deep.equal({
        url: BASE.CONSORTIUM_RPC_URL,
        chainId: 1337,
        gasPrice: 0,
        accounts: [KEY_A, KEY_B],
      });
    });

    it("takes a gas price in wei", function () {
      const config = consortiumNetworkFromEnv({
        ...BASE,
        CONSORTIUM_GAS_PRICE: "1000",
        CONSORTIUM_PRIVATE_KEYS: KEY_A,
      });
      expect(config.gasPrice).to.equal(1000);
    });

    it("opens an encrypted JSON keystore with its password", function () {
      const wallet = new Wallet(KEY_A);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keystore-")), "key.json");
      fs.writeFileSync(file, encryptKeystoreJsonSync(wallet, "correct horse", { scrypt: { N: 1 << 10 } }));
      const config = consortiumNetworkFromEnv({
        ...BASE,
        CONSORTIUM_KEYSTORE: file,
        CONSORTIUM_KEYSTORE_PASSWORD: "correct horse",
      });
      expect(config.accounts).to.deep.equal([KEY_A]);
      rejects(
        { ...BASE, CONSORTIUM_KEYSTORE: file, CONSORTIUM_KEYSTORE_PASSWORD: "wrong" },
        `CONSORTIUM_KEYSTORE: "${file}" is not a keystore this password opens`,
      );
    });
  });

  describe("missing variables are named", function () {
    it("CONSORTIUM_RPC_URL", function () {
      rejects({ CONSORTIUM_CHAIN_ID: "1" }, "CONSORTIUM_RPC_URL is not set (see .env.example)");
    });
    it("CONSORTIUM_CHAIN_ID", function () {
      rejects({ CONSORTIUM_RPC_URL: BASE.CONSORTIUM_RPC_URL }, "CONSORTIUM_CHAIN_ID is not set (see .env.example)");
    });
    it("the keys", function () {
      rejects(BASE, "CONSORTIUM_PRIVATE_KEYS or CONSORTIUM_KEYSTORE is not set (see .env.example)");
    });
    it("the keystore password", function () {
      rejects(
        { ...BASE, CONSORTIUM_KEYSTORE: "/nonexistent.json" },
        "CONSORTIUM_KEYSTORE_PASSWORD is not set (needed for CONSORTIUM_KEYSTORE)",
      );
    });
  });

  describe("malformed values are refused with one line", function () {
    it("a URL that is not one, or not http(s)", function () {
      rejects({ ...BASE, CONSORTIUM_RPC_URL: "node1:8545x" }, 'CONSORTIUM_RPC_URL must be http(s), got "node1:"');
      rejects({ ...BASE, CONSORTIUM_RPC_URL: "not a url" }, 'CONSORTIUM_RPC_URL is not a URL: "not a url"');
    });
    it("a non-numeric chain id or gas price", function () {
      rejects({ ...BASE, CONSORTIUM_CHAIN_ID: "0x539" }, 'CONSORTIUM_CHAIN_ID must be a whole number, got "0x539"');
      rejects(
        { ...BASE, CONSORTIUM_GAS_PRICE: "-1", CONSORTIUM_PRIVATE_KEYS: KEY_A },
        'CONSORTIUM_GAS_PRICE must be a whole number, got "-1"',
      );
    });
    it("a key of the wrong length", function () {
      rejects(
        { ...BASE, CONSORTIUM_PRIVATE_KEYS: `${KEY_A},0x1234` },
        "CONSORTIUM_PRIVATE_KEYS entry 2 must be 32 bytes of hex (64 characters), got 4 characters",
      );
    });
    it("keys and a keystore at once", function () {
      rejects(
        { ...BASE, CONSORTIUM_PRIVATE_KEYS: KEY_A, CONSORTIUM_KEYSTORE: "k.json" },
        "set CONSORTIUM_PRIVATE_KEYS or CONSORTIUM_KEYSTORE, not both",
      );
    });
    it("an unreadable keystore", function () {
      rejects(
        { ...BASE, CONSORTIUM_KEYSTORE: "/nonexistent.json", CONSORTIUM_KEYSTORE_PASSWORD: "x" },
        'CONSORTIUM_KEYSTORE: cannot read "/nonexistent.json"',
      );
    });
  });

  describe("selection", function () {
    it("is by --network consortium, --network=consortium or HARDHAT_NETWORK", function () {
      expect(consortiumNetworkSelected(["node", "hardhat", "test", "--network", "consortium"], {})).to.equal(true);
      expect(consortiumNetworkSelected(["node", "hardhat", "--network=consortium", "test"], {})).to.equal(true);
      expect(consortiumNetworkSelected(["node", "hardhat", "test"], { HARDHAT_NETWORK: "consortium" })).to.equal(true);
      expect(consortiumNetworkSelected(["node", "hardhat", "test", "--network", "localhost"], {})).to.equal(false);
      expect(consortiumNetworkSelected(["node", "hardhat", "test"], {})).to.equal(false);
    });
  });
});

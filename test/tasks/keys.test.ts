import fs from "node:fs";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { EventEmitter } from "node:events";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { promptPassword } from "../../tasks/lib/signer";
import { expectTaskError, openVoting, runTask, tasksFixture, tmpFile } from "./helpers";

const PASSWORD_ENV = "CONSORTIUM_KEYSTORE_PASSWORD";
const PASSWORD = "correct horse battery staple";

/** An encrypted JSON keystore of hardhat account `index` (light scrypt, to keep tests fast). */
async function keystoreOf(index: number): Promise<{ file: string; address: string }> {
  const { mnemonic, path } = hre.network.config.accounts as { mnemonic: string; path: string };
  const wallet = ethers.HDNodeWallet.fromPhrase(mnemonic, undefined, `${path}/${index}`);
  const json = await ethers.encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, PASSWORD, {
    scrypt: { N: 1 << 10 },
  });
  const file = tmpFile("keystore.json");
  fs.writeFileSync(file, json);
  return { file, address: wallet.address };
}

/** Runs `body` counting the JSON-RPC requests that reach the network. */
async function countingRequests<T>(body: () => Promise<T>): Promise<{ result: T; requests: string[] }> {
  const provider = hre.network.provider;
  const original = provider.request.bind(provider);
  const requests: string[] = [];
  provider.request = async (args) => {
    requests.push(args.method);
    return original(args);
  };
  try {
    return { result: await body(), requests };
  } finally {
    provider.request = original;
  }
}

/** Proposal #1 (quorum 55%, by Pearl River Bank), Pending. */
async function withProposal() {
  const f = await loadFixture(tasksFixture);
  await runTask("gov:propose", {
    deployment: f.deployment,
    from: "1",
    description: "Quorum 55%",
    actions: ["set-quorum 5500"],
  });
  return f;
}

describe("tasks: keys", () => {
  let savedPassword: string | undefined;
  beforeEach(() => {
    savedPassword = process.env[PASSWORD_ENV];
    process.env[PASSWORD_ENV] = PASSWORD;
  });
  afterEach(() => {
    if (savedPassword === undefined) delete process.env[PASSWORD_ENV];
    else process.env[PASSWORD_ENV] = savedPassword;
  });

  describe("--keystore", () => {
    it("votes with a member's encrypted keystore, password from the environment", async () => {
      const f = await withProposal();
      const keystore = await keystoreOf(3);
      expect(keystore.address).to.equal(f.insurer.address);
      await openVoting(f, 1n);
      const nonce = await ethers.provider.getTransactionCount(f.insurer.address);
      const { text } = await runTask("gov:vote", {
        deployment: f.deployment,
        keystore: keystore.file,
        proposalId: "1",
        support: "against",
      });
      expect(text).to.include(`${f.insurer.address} (Qianhai Insurance) voted Against on proposal #1 with weight 25`);
      expect(await f.governor.hasVoted(1n, f.insurer.address)).to.equal(true);
      expect(await ethers.provider.getTransactionCount(f.insurer.address)).to.equal(nonce + 1);
    });

    it("sends with the network's configured gas price (free-gas chains: 0)", async () => {
      const f = await withProposal();
      await openVoting(f, 1n);
      const keystore = await keystoreOf(2);
      const config = hre.network.config as { gasPrice: "auto" | number };
      const saved = config.gasPrice;
      // FREE_GAS=true configures 0 (accounts hold no ether); otherwise the test sets a price
      const price = saved === "auto" ? 7_000_000_000 : saved;
      config.gasPrice = price;
      try {
        const { result } = await runTask<{ transactionHash: string }>("gov:vote", {
          deployment: f.deployment,
          keystore: keystore.file,
          proposalId: "1",
          support: "for",
        });
        const tx = await ethers.provider.getTransaction(result.transactionHash);
        expect(tx?.gasPrice).to.equal(BigInt(price));
      } finally {
        config.gasPrice = saved;
      }
    });

    it("refuses a wrong password, a file that is no keystore, and a missing file", async () => {
      const f = await withProposal();
      await openVoting(f, 1n);
      const keystore = await keystoreOf(3);
      const args = { deployment: f.deployment, proposalId: "1", support: "for" };
      process.env[PASSWORD_ENV] = "wrong";
      await expectTaskError(
        "gov:vote",
        { ...args, keystore: keystore.file },
        /^cannot decrypt keystore .*keystore\.json: incorrect password$/,
        [f.insurer.address],
      );
      const notKeystore = tmpFile("not-keystore.json");
      fs.writeFileSync(notKeystore, JSON.stringify({ hello: "world" }));
      await expectTaskError("gov:vote", { ...args, keystore: notKeystore }, /is not an encrypted JSON keystore$/);
      await expectTaskError("gov:vote", { ...args, keystore: tmpFile("none.json") }, /^no keystore file at /);
    });

    it("without the environment variable and without a terminal, says how to give the password", async () => {
      const f = await withProposal();
      await openVoting(f, 1n);
      const keystore = await keystoreOf(3);
      delete process.env[PASSWORD_ENV];
      const stdin = process.stdin as { isTTY?: boolean };
      const descriptor = Object.getOwnPropertyDescriptor(stdin, "isTTY");
      Object.defineProperty(stdin, "isTTY", { value: undefined, configurable: true, writable: true });
      try {
        await expectTaskError(
          "gov:vote",
          { deployment: f.deployment, keystore: keystore.file, proposalId: "1", support: "for" },
          /^the keystore needs a password: set CONSORTIUM_KEYSTORE_PASSWORD or run the task in a terminal$/,
          [f.insurer.address],
        );
      } finally {
        if (descriptor) Object.defineProperty(stdin, "isTTY", descriptor);
        else delete stdin.isTTY;
      }
    });
  });

  describe("the password prompt", () => {
    /** A fake terminal that types `keys` once the prompt listens. */
    function terminal(keys: string[]) {
      const input = Object.assign(new EventEmitter(), {
        isTTY: true,
        raw: [] as boolean[],
        setRawMode(mode: boolean) {
          input.raw.push(mode);
        },
        resume() {
          for (const key of keys) setImmediate(() => input.emit("data", Buffer.from(key)));
        },
        pause() {},
      });
      return input;
    }

    it("reads the password in raw mode (no echo), with backspace, and restores the terminal", async () => {
      const input = terminal(["secrex", "\u007f", "t", "\r"]);
      const written: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write;
      try {
        expect(await promptPassword("Password: ", input)).to.equal("secret");
      } finally {
        process.stderr.write = write;
      }
      expect(input.raw).to.deep.equal([true, false]);
      expect(written.join("")).to.equal("Password: \n");
      expect(input.listenerCount("data")).to.equal(0);
    });

    it("is cancelled by Ctrl-C", async () => {
      const input = terminal(["abc", "\u0003"]);
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = (() => true) as typeof process.stderr.write;
      let message = "";
      try {
        await promptPassword("Password: ", input);
      } catch (e) {
        message = (e as Error).message;
      } finally {
        process.stderr.write = write;
      }
      expect(message).to.equal("cancelled at the password prompt");
      expect(input.raw).to.deep.equal([true, false]);
    });
  });

  describe("gov:sign-vote and gov:relay-vote", () => {
    it("signs offline from a keystore (no network request) and relays from any account", async () => {
      const f = await withProposal();
      const keystore = await keystoreOf(2);
      const out = tmpFile("ballot.json");
      const { requests } = await countingRequests(() =>
        runTask("gov:sign-vote", {
          keystore: keystore.file,
          proposalId: "1",
          support: "abstain",
          reason: "Conflict of interest",
          chainId: "31337",
          governor: f.addresses["Governance#ConsortiumGovernor"],
          nonce: "0",
          out,
        }),
      );
      expect(requests, "the offline signature reached the network").to.deep.equal([]);
      const ballot = JSON.parse(fs.readFileSync(out, "utf8"));
      expect(ballot).to.include({
        kind: "consortium-governor-ballot",
        voter: f.securities.address,
        support: 2,
        reason: "Conflict of interest",
      });

      await openVoting(f, 1n);
      const relayer = f.others[4];
      const relayerNonce = await ethers.provider.getTransactionCount(relayer.address);
      const { text } = await runTask("gov:relay-vote", { deployment: f.deployment, from: relayer.address, file: out });
      expect(text).to.include(
        `Relayed: ${f.securities.address} (Nanshan Securities) voted Abstain on proposal #1 with weight 35`,
      );
      expect(await ethers.provider.getTransactionCount(relayer.address)).to.equal(relayerNonce + 1);
      expect(await f.governor.nonces(f.securities.address)).to.equal(1n);
      const shown = await runTask("gov:show", { deployment: f.deployment, proposalId: "1" });
      expect(shown.text).to.include(
        `${f.securities.address} (Nanshan Securities): Abstain with weight 35 "Conflict of interest"`,
      );
    });

    it("signs offline with a network account's configured key, the governor taken from the deployment file", async () => {
      const f = await withProposal();
      const out = tmpFile("ballot.json");
      const { requests } = await countingRequests(() =>
        runTask("gov:sign-vote", {
          deployment: f.deployment,
          from: "3",
          proposalId: "1",
          support: "for",
          chainId: "31337",
          nonce: "0",
          out,
        }),
      );
      expect(requests).to.deep.equal([]);
      expect(JSON.parse(fs.readFileSync(out, "utf8")).domain.verifyingContract).to.equal(
        f.addresses["Governance#ConsortiumGovernor"],
      );
      await openVoting(f, 1n);
      await runTask("gov:relay-vote", { deployment: f.deployment, file: out });
      expect(await f.governor.hasVoted(1n, f.insurer.address)).to.equal(true);
    });

    it("signs online before voting opens, reading chain id, governor and nonce", async () => {
      const f = await withProposal();
      const out = tmpFile("ballot.json");
      const { requests } = await countingRequests(() =>
        runTask("gov:sign-vote", { deployment: f.deployment, from: "1", proposalId: "1", support: "for", out }),
      );
      expect(requests).to.include("eth_chainId");
      expect(JSON.parse(fs.readFileSync(out, "utf8"))).to.include({ nonce: "0", voter: f.bank.address });
      await expectTaskError(
        "gov:relay-vote",
        { deployment: f.deployment, file: out },
        /^voting on proposal #1 has not started/,
      );
      await openVoting(f, 1n);
      await runTask("gov:relay-vote", { deployment: f.deployment, file: out });
      const [against, forVotes] = await f.governor.proposalVotes(1n);
      expect([against, forVotes]).to.deep.equal([0n, 40n]);
    });
  });
});

import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { LOG_RANGE_ENV } from "../../tasks/lib/logs";
import { expectTaskError, runTask, tasksFixture } from "./helpers";

type Listed = {
  contract: string;
  fromBlock: number;
  toBlock: number;
  events: { kind: string; event: string; blockNumber: number; args: Record<string, unknown>; words: string }[];
};

describe("tasks: events", () => {
  it("lists pause and freeze events with who did them, from the deployment block; --json and --kinds", async () => {
    const f = await loadFixture(tasksFixture);
    const [holder] = f.others;
    await f.cashToken.connect(f.guardian).pause();
    await f.securityToken.connect(f.agent).setAddressFrozen(holder.address, true);
    const pauses = await runTask<Listed>("events", {
      deployment: f.deployment,
      contract: "cash-token",
      kinds: "pause",
    });
    expect(pauses.result.events.map((e) => e.event)).to.deep.equal(["Paused"]);
    expect(pauses.result.events[0].words).to.equal(`paused by ${f.guardian.address}`);
    expect(pauses.lines[0]).to.match(/^1 pause event\(s\) of cash-token \(0x[0-9a-fA-F]{40}\), blocks \d+ to \d+:$/);
    expect(pauses.text).to.match(/UTC {2}block \d+ {2}pause {3}paused by /);

    const frozen = await runTask<Listed>("events", {
      deployment: f.deployment,
      contract: await f.securityToken.getAddress(),
      kinds: "freeze",
      json: true,
    });
    expect(frozen.result.events.map((e) => e.event)).to.deep.equal(["AddressFrozen", "FreezeReason"]);
    expect(frozen.result.events[0].words).to.equal(`${holder.address} frozen by ${f.agent.address}`);
    expect(JSON.parse(frozen.text).events[0].args.userAddress).to.equal(holder.address);
  });

  it("lists role grants (by role name) and the proxy's upgrades; reads in chunks the node accepts", async () => {
    const f = await loadFixture(tasksFixture);
    const all = await runTask<Listed>("events", { deployment: f.deployment, contract: "membership", json: true });
    const upgrades = all.result.events.filter((e) => e.kind === "upgrade");
    expect(upgrades).to.have.length(1);
    const roles = all.result.events.filter((e) => e.kind === "role");
    expect(roles.length).to.be.greaterThan(0);
    expect(roles.some((e) => e.event === "RoleGranted" && e.args.role === "GUARDIAN_ROLE")).to.equal(true);
    expect(all.result.fromBlock).to.be.greaterThan(0);
    // the same events, one block per request
    process.env[LOG_RANGE_ENV] = "1";
    try {
      const chunked = await runTask<Listed>("events", { deployment: f.deployment, contract: "membership", json: true });
      expect(chunked.result.events).to.deep.equal(all.result.events);
    } finally {
      delete process.env[LOG_RANGE_ENV];
    }
    // a range that holds none of them
    const none = await runTask<Listed>("events", {
      deployment: f.deployment,
      contract: "membership",
      fromBlock: String(all.result.toBlock),
      toBlock: String(all.result.toBlock),
    });
    expect(none.result.events).to.deep.equal([]);
  });

  it("refuses an unknown kind, contract or range in one line", async () => {
    const f = await loadFixture(tasksFixture);
    const d = { deployment: f.deployment };
    await expectTaskError("events", { ...d, contract: "cash-token", kinds: "pause,mint" }, /^--kinds: "mint" is not/);
    await expectTaskError("events", { ...d, contract: "cash-tokens" }, /^"cash-tokens" is neither a contract/);
    await expectTaskError(
      "events",
      { ...d, contract: "cash-token", fromBlock: "9", toBlock: "3" },
      /^--from-block 9 is after --to-block 3$/,
    );
    await expectTaskError(
      "events",
      { ...d, contract: "cash-token", toBlock: "99999999" },
      /^--to-block 99999999 is ahead/,
    );
    await expectTaskError(
      "events",
      { ...d, contract: "cash-token", fromBlock: "x" },
      /^--from-block: "x" is not a block number$/,
    );
  });
});

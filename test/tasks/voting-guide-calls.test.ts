/**
 * docs/voting.md's raw-calls example, read from the guide: the file it shows passes gov:propose's
 * dry run, and, proposed, voted, queued and executed, makes each change it describes on a
 * deployment with the rehearsal's parameters. The call the guide says the timelock cannot make (a
 * token rule, which needs COMPLIANCE_ROLE) is refused by the dry run with the role named.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { closeVoting, expectTaskError, openVoting, reachEta, runTask, tasksFixture, tmpFile } from "./helpers";

const GUIDE = path.join(__dirname, "..", "..", "docs", "voting.md");
/** ProposalState.Executed of OpenZeppelin's Governor. */
const EXECUTED = 7n;
/** ConsortiumGovernor's ProposalClass.Routine. */
const ROUTINE = 0n;

/** The first ```json block of the guide's "### Raw calls" section, written to a file as a reader saves it. */
function guideCallsFile(): { file: string; calls: { target: string }[] } {
  const text = fs.readFileSync(GUIDE, "utf8");
  const section = text.slice(text.indexOf("### Raw calls"));
  const block = /^```json\n([\s\S]*?)^```$/m.exec(section.slice(0, section.indexOf("\n### ", 1)));
  expect(block, 'docs/voting.md: a ```json block in "### Raw calls"').to.not.equal(null);
  const file = tmpFile("raw-calls.json");
  fs.writeFileSync(file, block![1]);
  return { file, calls: JSON.parse(block![1]) };
}

describe("tasks: the raw-calls example of docs/voting.md", function () {
  before(async function () {
    // the system's in-process deployment, once (seconds on an idle machine, minutes on a loaded one)
    this.timeout(600_000);
    await loadFixture(tasksFixture);
  });

  it("passes the dry run, and once executed sets the grace period, the settlement fee and the split limit", async () => {
    const f = await loadFixture(tasksFixture);
    const { file, calls } = guideCallsFile();
    expect(calls).to.have.length(3);
    const description = "Invoice grace period 14 days, settlement fee 5 bps, split limit 10";

    const dry = await runTask<{ results: { ok: boolean; reason?: string }[] }>("gov:propose", {
      deployment: f.deployment,
      description,
      calls: file,
      dryRun: true,
    });
    expect(dry.result.results.map((r) => r.reason ?? "OK")).to.deep.equal(["OK", "OK", "OK"]);

    const { result: id, text } = await runTask<bigint>("gov:propose", {
      deployment: f.deployment,
      from: "1",
      description,
      calls: file,
    });
    expect(text).to.match(/1\. invoice-registry\.setGracePeriod\(\w+=1209600\)/);
    expect(text).to.match(/2\. dvp-settlement\.setFee\(\w+=0x70997970C51812dc3A010C7d01b50e0d17dc79C8.*, \w+=5\)/);
    expect(text).to.match(/3\. invoice-registry\.setMaxSplitPieces\(\w+=10\)/);
    // the guide's table: a raw call setting a settlement fee is routine
    expect(await f.governor.proposalClass(id)).to.equal(ROUTINE);

    await openVoting(f, id);
    await runTask("gov:vote", { deployment: f.deployment, from: "1", proposalId: String(id), support: "for" });
    await runTask("gov:vote", { deployment: f.deployment, from: "2", proposalId: String(id), support: "for" });
    await closeVoting(f, id);
    await runTask("gov:queue", { deployment: f.deployment, proposalId: String(id) });
    await reachEta(f, id);
    await runTask("gov:execute", { deployment: f.deployment, proposalId: String(id) });

    expect(await f.governor.state(id)).to.equal(EXECUTED);
    const settings = await f.invoiceRegistry.settings();
    expect(settings.gracePeriod).to.equal(14n * 24n * 3600n);
    expect(settings.maxSplitPieces).to.equal(10n);
    const [recipient, basisPoints] = await f.dvpSettlement.fee();
    expect([recipient, basisPoints]).to.deep.equal([f.bank.address, 5n]);
  });

  it("a raw token-rule call, as the guide says, is refused by the dry run: the timelock lacks COMPLIANCE_ROLE", async () => {
    const f = await loadFixture(tasksFixture);
    const file = tmpFile("max-holders.json");
    fs.writeFileSync(file, JSON.stringify([{ target: "security-token", signature: "setMaxHolders", args: [500] }]));
    await expectTaskError(
      "gov:propose",
      { deployment: f.deployment, from: "1", description: "Max holders 500", calls: file },
      /AccessControlUnauthorizedAccount\(.*neededRole=COMPLIANCE_ROLE\)/,
    );
  });
});

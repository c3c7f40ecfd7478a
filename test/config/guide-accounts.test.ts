/**
 * The operations guide's table of the rehearsal's accounts (docs/operations.md, "Rehearsing
 * locally") says what ignition/parameters/localhost.json, the test fixture and consortium:acceptance
 * do: each account's address, the member it is, the roles it holds, its role in an acceptance run.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployConsortiumFixture, localhostParameters } from "../fixtures/consortium";
import {
  ACCEPTANCE_PARAMETERS,
  assignRoles,
  ignitionParameters,
  readAcceptanceParameters,
  roleNames,
} from "../../tasks/lib/acceptance";
import { CONTRACT_NAMES } from "../../tasks/lib/deployment";
import { DUTY_ROLES } from "../../tasks/lib/verify";

const ROOT = path.join(__dirname, "..", "..");
const GUIDE = "docs/operations.md";

/** One row of the guide's table. */
interface Row {
  index: number;
  address: string;
  member: string;
  roles: string;
  acceptance: string;
}

/** The table whose header starts with `--from`, in the section "Rehearsing locally". */
function accountsTable(): Row[] {
  const text = fs.readFileSync(path.join(ROOT, GUIDE), "utf8");
  const section = text.slice(text.indexOf("### Rehearsing locally"));
  const lines = section.split("\n");
  const header = lines.findIndex((l) => /^\|\s*`--from`\s*\|/.test(l));
  expect(
    header,
    `${GUIDE}: the accounts table ("| \`--from\` | address | ...") in "Rehearsing locally"`,
  ).to.be.at.least(0);
  const rows: Row[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    expect(cells, line).to.have.length(5);
    const address = /^`(0x[0-9a-fA-F]{40})`$/.exec(cells[1]);
    expect(address, `${line}: the address in backticks`).to.not.equal(null);
    rows.push({
      index: Number(cells[0]),
      address: address![1],
      member: cells[2],
      roles: cells[3],
      acceptance: cells[4],
    });
  }
  return rows;
}

/** What localhost.json gives an account: member (name, weight) and roles as contract and role names. */
interface Expected {
  member?: string;
  contracts: Set<string>;
  roles: Set<string>;
  proposalGuardian: boolean;
}

function expectedByAddress(): Map<string, Expected> {
  const p = localhostParameters();
  const map = new Map<string, Expected>();
  const of = (account: string): Expected => {
    const key = account.toLowerCase();
    if (!map.has(key)) map.set(key, { contracts: new Set(), roles: new Set(), proposalGuardian: false });
    return map.get(key)!;
  };
  const grant = (accounts: string[], contract: string, role: string) => {
    for (const a of accounts) {
      of(a).contracts.add(contract);
      of(a).roles.add(role);
    }
  };
  for (const m of p.Governance.foundingMembers as { account: string; name: string; weight: number }[]) {
    of(m.account).member = `${m.name} (${m.weight})`;
  }
  of(p.Governance.guardian).proposalGuardian = true;
  grant([p.Governance.guardian], "membership", "GUARDIAN_ROLE");
  grant(p.Identity.registrars, "identity-registry", "REGISTRAR_ROLE");
  for (const [operators, contract] of [
    ["securityOperators", "security-token"],
    ["cashOperators", "cash-token"],
  ]) {
    for (const [field, role] of DUTY_ROLES) grant(p.Tokens[operators][field], contract, role);
  }
  grant(p.Invoices.guardians, "invoice-registry", "GUARDIAN_ROLE");
  grant(p.Settlement.guardians, "dvp-settlement", "GUARDIAN_ROLE");
  return map;
}

/** The names in backticks of a cell that are contract names, and those that are role names. */
function named(cell: string): { contracts: Set<string>; roles: Set<string> } {
  const quoted = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  return {
    contracts: new Set(quoted.filter((q) => (CONTRACT_NAMES as readonly string[]).includes(q))),
    roles: new Set(quoted.filter((q) => /^[A-Z_]+_ROLE$/.test(q))),
  };
}

describe(`docs: the rehearsal's accounts table in ${GUIDE}`, function () {
  let rows: Row[] = [];
  before(function () {
    rows = accountsTable();
  });
  const byAddress = (address: string) => rows.find((r) => r.address.toLowerCase() === address.toLowerCase());

  it("each row's address is the node's account of that index", async function () {
    const signers = await ethers.getSigners();
    expect(rows).to.not.be.empty;
    for (const row of rows) {
      expect(row.address, `account ${row.index}`).to.equal(signers[row.index].address);
    }
  });

  it("says what localhost.json gives each account: the member and weight, the roles by contract", function () {
    const expected = expectedByAddress();
    for (const address of expected.keys()) {
      expect(byAddress(address), `${address} holds a role in localhost.json: a row of the table`).to.not.equal(
        undefined,
      );
    }
    for (const row of rows) {
      const want = expected.get(row.address.toLowerCase()) ?? {
        contracts: new Set<string>(),
        roles: new Set<string>(),
        proposalGuardian: false,
      };
      const where = `${GUIDE}, account ${row.index}`;
      expect(row.member, `${where}: member`).to.equal(want.member ?? "");
      const got = named(row.roles);
      expect([...got.roles].sort(), `${where}: roles`).to.deep.equal([...want.roles].sort());
      expect([...got.contracts].sort(), `${where}: contracts of its roles`).to.deep.equal([...want.contracts].sort());
      expect(row.roles.includes("proposal guardian"), `${where}: the governor's proposal guardian`).to.equal(
        want.proposalGuardian,
      );
      if (row.index === 0) expect(row.roles, `${where}: Ignition deploys from account 0`).to.match(/^deployer/);
      else if (want.member === undefined && want.roles.size === 0) expect(row.roles, where).to.match(/^none/);
      else expect(row.roles, where).to.not.match(/^(none|deployer)/);
    }
  });

  it("names the test fixture's accounts by the jobs the fixture gives them", async function () {
    const f = await loadFixture(deployConsortiumFixture);
    const jobs: [string, string][] = [
      [f.deployer.address, "deployer"],
      [f.registrar.address, "registrar"],
      [f.agent.address, "transfer agent"],
      [f.cashIssuer.address, "cash issuer"],
      [f.guardian.address, "guardian"],
    ];
    for (const [address, job] of jobs) {
      expect(byAddress(address)?.roles, `${address}, the fixture's ${job}`).to.match(new RegExp(`^${job}`));
    }
    for (const member of f.members) {
      expect(byAddress(member.address)?.member, `${member.address}, a fixture member`).to.not.equal("");
    }
  });

  it("docs/voting.md names the members' and the guardian's accounts as the table does", function () {
    const voting = fs.readFileSync(path.join(ROOT, "docs", "voting.md"), "utf8").replace(/\s+/g, " ");
    const indexOf = (address: string) => byAddress(address)!.index;
    const p = localhostParameters();
    for (const m of p.Governance.foundingMembers as { account: string; name: string; weight: number }[]) {
      expect(voting, `docs/voting.md: --from of ${m.name}`).to.match(
        new RegExp(`[:,] ${indexOf(m.account)} ${m.name} \\((weight )?${m.weight}\\)`),
      );
    }
    expect(voting).to.include(`; ${indexOf(p.Governance.guardian)} is the guardian.`);
  });

  it("gives consortium:acceptance's role of each account, in the task's order", async function () {
    const params = readAcceptanceParameters(path.join(ROOT, ACCEPTANCE_PARAMETERS));
    const names = roleNames(params.members.length);
    const accounts = (await ethers.getSigners()).map((s) => s.address);
    const roles = assignRoles(accounts, params.members.length, "localhost");
    const guardian = String(ignitionParameters(params, roles).Governance.guardian).toLowerCase();
    for (const row of rows) {
      const where = `${GUIDE}, account ${row.index}`;
      if (row.index >= names.length) {
        expect(row.acceptance, `${where}: consortium:acceptance uses ${names.length} accounts`).to.equal("");
        continue;
      }
      expect(row.acceptance, where).to.match(new RegExp(`^${names[row.index]}\\b`));
      expect(row.acceptance.includes("guardian"), `${where}: the run's guardian`).to.equal(
        row.address.toLowerCase() === guardian,
      );
    }
    for (let i = 0; i < names.length; i++) {
      expect(
        rows.map((r) => r.index),
        `${GUIDE}: a row for account ${i} (${names[i]} in an acceptance run)`,
      ).to.include(i);
    }
  });
});

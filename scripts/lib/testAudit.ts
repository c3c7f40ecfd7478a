/**
 * Static audit of the contract tests against two team rules (DESIGN.md, Conventions):
 *  (a) every custom error declared in contracts/ (interfaces included, test helpers excluded) is
 *      raised by some contract and reached by a test: a `revertedWithCustomError(x, "Name")`
 *      assertion in the test folder of the contract that raises it (test/<area>/ for
 *      contracts/<area>/; anywhere under test/ for shared code such as contracts/utils/);
 *  (b) every guarded external or public function (an `onlyRole` or `onlyGovernance` modifier, a
 *      `_checkRole` call, or an `if (...msg.sender != ...) revert E(...)` check, directly or
 *      through a private helper or an inherited project base; `upgradeToAndCall` when
 *      `_authorizeUpgrade` is role-guarded) is called in a test of its area from an account
 *      without the right, expecting the guard's error (AccessControlUnauthorizedAccount,
 *      GovernorOnlyExecutor, or E).
 *
 * Solidity is read with comments and strings removed; the tests are parsed with the TypeScript
 * compiler. A guard assertion counts for the functions it calls inside `expect(...)`
 * (`.fn(...)`, `["fn"]`, `"fn(...)"`); when the call is indirect (a table of calls run in a loop,
 * as `expect(call(token))`), for the functions its enclosing `describe` block names.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

export interface SolidityFunction {
  name: string;
  visibility: string;
  modifiers: string;
  body: string;
}

export interface SolidityUnit {
  /** Contract, abstract contract, library or interface name. */
  name: string;
  kind: "contract" | "abstract" | "library" | "interface";
  /** Path relative to the repository root. */
  file: string;
  /** contracts/<area>/...: the folder under contracts/. */
  area: string;
  bases: string[];
  functions: SolidityFunction[];
  /** Custom errors declared in the unit. */
  errors: string[];
}

export interface GuardedFunction {
  contract: string;
  area: string;
  fn: string;
  /** The custom errors that refuse an unauthorized caller (any one of them counts). */
  guardErrors: string[];
}

export interface RaisedError {
  error: string;
  /** Where it is raised: file and area. */
  file: string;
  area: string;
}

export interface Assertion {
  /** Test file, relative to the repository root. */
  file: string;
  /**
   * The error named: the literal, or, when the name is a variable (a table of cases), every
   * string literal of the enclosing `it` (or `describe`) block.
   */
  errors: Set<string>;
  /** Function names the asserted call(s) name. */
  names: Set<string>;
}

export interface AuditReport {
  declaredNeverRaised: { error: string; declaredIn: string[] }[];
  untestedErrors: { error: string; file: string; area: string }[];
  untestedGuards: GuardedFunction[];
  counts: { errors: number; raised: number; guarded: number; assertions: number };
}

/** Folders under contracts/ that hold no product code. */
const EXCLUDED_AREAS = new Set(["test"]);
/** Areas whose code is shared by contracts of several areas: their errors may be tested anywhere. */
const SHARED_AREAS = new Set(["utils", "interfaces", "proxy"]);
/**
 * Guarded functions the contracts inherit from OpenZeppelin, by base contract: the project's
 * sources do not show them, but they are guarded functions of the deployed contracts all the same.
 */
const INHERITED_GUARDS: Record<string, { fns: string[]; error: string }> = {
  AccessControl: { fns: ["grantRole", "revokeRole"], error: "AccessControlUnauthorizedAccount" },
  AccessControlUpgradeable: { fns: ["grantRole", "revokeRole"], error: "AccessControlUnauthorizedAccount" },
  Governor: { fns: ["relay"], error: "GovernorOnlyExecutor" },
  GovernorSettings: {
    fns: ["setVotingDelay", "setVotingPeriod", "setProposalThreshold"],
    error: "GovernorOnlyExecutor",
  },
  GovernorVotesQuorumFraction: { fns: ["updateQuorumNumerator"], error: "GovernorOnlyExecutor" },
  GovernorTimelockControl: { fns: ["updateTimelock"], error: "GovernorOnlyExecutor" },
  GovernorProposalGuardian: { fns: ["setProposalGuardian"], error: "GovernorOnlyExecutor" },
};
/** Function names by which a test may call an upgrade (the upgrades plugin's helpers included). */
const UPGRADE_ALIASES = ["upgradeToAndCall", "upgradeProxy"];

function walk(dir: string, ext: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, ext));
    else if (entry.name.endsWith(ext)) out.push(full);
  }
  return out.sort();
}

/** Solidity source with comments and string literals blanked (lengths kept). */
export function stripSolidity(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const two = source.slice(i, i + 2);
    if (two === "//") {
      const end = source.indexOf("\n", i);
      const stop = end < 0 ? source.length : end;
      out += " ".repeat(stop - i);
      i = stop;
    } else if (two === "/*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (source[i] === '"' || source[i] === "'") {
      const quote = source[i];
      let j = i + 1;
      while (j < source.length && source[j] !== quote) j += source[j] === "\\" ? 2 : 1;
      out += quote + " ".repeat(Math.max(0, j - i - 1)) + quote;
      i = j + 1;
    } else {
      out += source[i];
      i += 1;
    }
  }
  return out;
}

/** Index of the bracket closing the one at `open`. */
function matching(text: string, open: number): number {
  const pairs: Record<string, string> = { "{": "}", "(": ")", "[": "]" };
  const close = pairs[text[open]];
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === text[open]) depth += 1;
    else if (text[i] === close) {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new Error(`unbalanced ${text[open]} at ${open}`);
}

/** Contracts, libraries and interfaces of one Solidity file. */
export function parseSolidity(source: string, file: string, area: string): SolidityUnit[] {
  const text = stripSolidity(source);
  const units: SolidityUnit[] = [];
  const header = /\b(abstract\s+contract|contract|library|interface)\s+(\w+)([^{]*)\{/g;
  let m: RegExpExecArray | null;
  while ((m = header.exec(text))) {
    const open = m.index + m[0].length - 1;
    const close = matching(text, open);
    const inner = text.slice(open + 1, close);
    const kindWord = m[1].replace(/\s+/g, " ");
    const kind = kindWord === "abstract contract" ? "abstract" : (kindWord as SolidityUnit["kind"]);
    const isMatch = /\bis\b([\s\S]*)$/.exec(m[3]);
    const bases = isMatch
      ? isMatch[1]
          .split(",")
          .map((b) => b.trim().split(/[\s(]/)[0])
          .filter(Boolean)
      : [];
    const errors = [...inner.matchAll(/\berror\s+(\w+)\s*\(/g)].map((e) => e[1]);
    const functions: SolidityFunction[] = [];
    // Functions and modifiers (a modifier is kept with visibility "modifier").
    const fnRe = /\b(function|modifier)\s+(\w+)\s*/g;
    let f: RegExpExecArray | null;
    while ((f = fnRe.exec(inner))) {
      let i = f.index + f[0].length;
      const paramsEnd = inner[i] === "(" ? matching(inner, i) + 1 : i;
      i = paramsEnd;
      // Header up to the body or the `;` of a declaration without body.
      while (i < inner.length && inner[i] !== "{" && inner[i] !== ";") {
        if (inner[i] === "(") i = matching(inner, i);
        i += 1;
      }
      const headerText = inner.slice(paramsEnd, i);
      const visibility =
        f[1] === "modifier"
          ? "modifier"
          : (/\b(external|public|internal|private)\b/.exec(headerText)?.[1] ?? "internal");
      const body = inner[i] === "{" ? inner.slice(i, matching(inner, i) + 1) : "";
      functions.push({ name: f[2], visibility, modifiers: headerText, body });
      fnRe.lastIndex = body ? i + body.length : i + 1;
    }
    units.push({ name: m[2], kind, file, area, bases, functions, errors });
    header.lastIndex = close + 1;
  }
  return units;
}

/** The product code under contracts/ (every folder but contracts/test). */
export function loadContracts(root: string): SolidityUnit[] {
  const dir = path.join(root, "contracts");
  return walk(dir, ".sol").flatMap((full) => {
    const file = path.relative(root, full).split(path.sep).join("/");
    const area = file.split("/")[1];
    if (EXCLUDED_AREAS.has(area)) return [];
    return parseSolidity(fs.readFileSync(full, "utf8"), file, area);
  });
}

/** Errors a piece of code reverts with: `revert E(` or `revert I.E(`. */
function revertsIn(code: string): string[] {
  return [...code.matchAll(/\brevert\s+(?:\w+\.)?(\w+)\s*\(/g)].map((r) => r[1]);
}

/** The guards written in one function: its modifiers, `_checkRole`, and `msg.sender` checks. */
function directGuards(fn: SolidityFunction): string[] {
  const guards: string[] = [];
  if (/\bonlyRole\s*\(/.test(fn.modifiers) || /\b_checkRole\s*\(/.test(fn.body)) {
    guards.push("AccessControlUnauthorizedAccount");
  }
  if (/\bonlyGovernance\b/.test(fn.modifiers)) guards.push("GovernorOnlyExecutor");
  // if (<condition naming the caller>) [{] revert E(
  const ifRe = /\bif\s*\(/g;
  let m: RegExpExecArray | null;
  while ((m = ifRe.exec(fn.body))) {
    const open = m.index + m[0].length - 1;
    const close = matching(fn.body, open);
    const condition = fn.body.slice(open + 1, close);
    const callerRefused =
      /(msg\.sender|_msgSender\(\))\s*!=/.test(condition) ||
      /!=\s*(msg\.sender|_msgSender\(\))/.test(condition) ||
      /!\s*hasRole\s*\(/.test(condition);
    if (callerRefused) {
      const after = /^\s*\{?\s*revert\s+(?:\w+\.)?(\w+)\s*\(/.exec(fn.body.slice(close + 1));
      if (after) guards.push(after[1]);
    }
  }
  return guards;
}

/** Guards of a function, those of the private/internal helpers it calls included (transitively). */
function guardsOf(fn: SolidityFunction, helpers: Map<string, SolidityFunction>, seen = new Set<string>()): string[] {
  const guards = directGuards(fn);
  const calls = [...fn.body.matchAll(/\b(_\w+)\s*\(/g), ...fn.modifiers.matchAll(/\b(\w+)\b/g)];
  for (const call of calls) {
    const helper = helpers.get(call[1]);
    if (helper && !seen.has(helper.name)) {
      seen.add(helper.name);
      guards.push(...guardsOf(helper, helpers, seen));
    }
  }
  return [...new Set(guards)];
}

/** A unit and every project base it inherits from (most derived first). */
function lineage(unit: SolidityUnit, byName: Map<string, SolidityUnit>): SolidityUnit[] {
  const out: SolidityUnit[] = [unit];
  for (const base of unit.bases) {
    const b = byName.get(base);
    if (b) for (const u of lineage(b, byName)) if (!out.includes(u)) out.push(u);
  }
  return out;
}

/** Guarded external/public functions of every deployable contract, inherited project code included. */
export function guardedFunctions(units: SolidityUnit[]): GuardedFunction[] {
  const byName = new Map(units.map((u) => [u.name, u] as const));
  const out: GuardedFunction[] = [];
  for (const unit of units.filter((u) => u.kind === "contract")) {
    const all = lineage(unit, byName).flatMap((u) => u.functions);
    const helpers = new Map(
      all
        .filter((f) => f.visibility === "internal" || f.visibility === "private" || f.visibility === "modifier")
        .map((f) => [f.name, f] as const),
    );
    const seen = new Set<string>();
    for (const fn of all) {
      const exposed = fn.visibility === "external" || fn.visibility === "public";
      const name = fn.name === "_authorizeUpgrade" ? "upgradeToAndCall" : fn.name;
      if ((!exposed && fn.name !== "_authorizeUpgrade") || seen.has(name)) continue;
      seen.add(name);
      const guardErrors = guardsOf(fn, helpers);
      if (guardErrors.length > 0) out.push({ contract: unit.name, area: unit.area, fn: name, guardErrors });
    }
    for (const base of new Set(lineage(unit, byName).flatMap((u) => u.bases))) {
      for (const fn of INHERITED_GUARDS[base]?.fns ?? []) {
        if (seen.has(fn)) continue;
        seen.add(fn);
        out.push({ contract: unit.name, area: unit.area, fn, guardErrors: [INHERITED_GUARDS[base].error] });
      }
    }
  }
  return out;
}

/** Where each error is raised, per file. */
export function raisedErrors(units: SolidityUnit[]): RaisedError[] {
  const out = new Map<string, RaisedError>();
  for (const unit of units) {
    for (const fn of unit.functions) {
      for (const error of revertsIn(fn.body)) {
        out.set(`${unit.file}:${error}`, { error, file: unit.file, area: unit.area });
      }
    }
  }
  return [...out.values()];
}

/** Names a piece of test code calls or quotes: `.fn(`, `["fn"]`, string literals `"fn"`, `"fn(uint256)"`. */
function namesIn(node: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) names.add(n.expression.name.text);
    if (ts.isStringLiteralLike(n)) {
      const m = /^(\w+)(\(.*\))?$/.exec(n.text);
      if (m) names.add(m[1]);
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return names;
}

/** Whether the asserted expression calls something other than a contract method (a table's function). */
function isIndirect(node: ts.Node): boolean {
  let indirect = false;
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      if (ts.isIdentifier(callee) || ts.isElementAccessExpression(callee) || ts.isParenthesizedExpression(callee)) {
        indirect = true;
      }
      if (ts.isPropertyAccessExpression(callee) && /^(call|run|attempt|fn|action)$/i.test(callee.name.text)) {
        indirect = true;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return indirect;
}

/** The innermost enclosing call of one of `fns` (e.g. `describe(...)`), or the whole file. */
function enclosing(node: ts.Node, fns: string[]): ts.Node {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && fns.includes(n.expression.text)) return n;
  }
  return node.getSourceFile();
}

/** String literals of a piece of code that could be names (identifiers). */
function literalNames(node: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteralLike(n) && /^\w+$/.test(n.text)) names.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(node);
  return names;
}

/** Every `expect(X)...revertedWithCustomError(c, "E")` of a test file. */
export function parseAssertions(source: string, file: string): Assertion[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: Assertion[] = [];
  const visit = (n: ts.Node) => {
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      n.expression.name.text === "revertedWithCustomError" &&
      n.arguments.length >= 2
    ) {
      const errorArg = n.arguments[1];
      const errors = ts.isStringLiteralLike(errorArg)
        ? new Set([errorArg.text])
        : literalNames(enclosing(n, ["it", "describe"]));
      // Down the chain `expect(X).to.be.revertedWithCustomError` to `expect(X)`.
      let target: ts.Node | undefined;
      for (let e: ts.Expression = n.expression.expression; ;) {
        if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "expect") {
          target = e.arguments[0];
          break;
        }
        if (ts.isPropertyAccessExpression(e) || ts.isCallExpression(e)) e = e.expression;
        else break;
      }
      if (target) {
        const names = namesIn(target);
        if (isIndirect(target)) for (const name of namesIn(enclosing(n, ["describe"]))) names.add(name);
        out.push({ file, errors, names });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The assertions of every test file under test/ (the audit's own folder excluded). */
export function loadAssertions(root: string): Assertion[] {
  return walk(path.join(root, "test"), ".ts")
    .map((full) => path.relative(root, full).split(path.sep).join("/"))
    .filter((file) => !file.startsWith("test/audit/"))
    .flatMap((file) => parseAssertions(fs.readFileSync(path.join(root, file), "utf8"), file));
}

function inArea(assertion: Assertion, area: string): boolean {
  return SHARED_AREAS.has(area) || assertion.file.startsWith(`test/${area}/`);
}

/** The audit of contracts and tests as given. */
export function audit(units: SolidityUnit[], assertions: Assertion[]): AuditReport {
  const declared = new Map<string, string[]>();
  for (const unit of units) {
    for (const error of unit.errors) declared.set(error, [...(declared.get(error) ?? []), unit.file]);
  }
  const raised = raisedErrors(units);
  const raisedNames = new Set(raised.map((r) => r.error));
  const declaredNeverRaised = [...declared.entries()]
    .filter(([error]) => !raisedNames.has(error))
    .map(([error, declaredIn]) => ({ error, declaredIn }))
    .sort((a, b) => a.error.localeCompare(b.error));

  // Only the project's own errors: OpenZeppelin's (raised by OZ code) are not declared here.
  const untestedErrors = raised
    .filter((r) => declared.has(r.error))
    .filter((r) => !assertions.some((a) => a.errors.has(r.error) && inArea(a, r.area)))
    .map(({ error, file, area }) => ({ error, file, area }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.error.localeCompare(b.error));

  const guarded = guardedFunctions(units);
  const untestedGuards = guarded.filter(
    (g) =>
      !assertions.some(
        (a) =>
          g.guardErrors.some((e) => a.errors.has(e)) &&
          inArea(a, g.area) &&
          (g.fn === "upgradeToAndCall" ? UPGRADE_ALIASES.some((n) => a.names.has(n)) : a.names.has(g.fn)),
      ),
  );
  return {
    declaredNeverRaised,
    untestedErrors,
    untestedGuards,
    counts: { errors: declared.size, raised: raised.length, guarded: guarded.length, assertions: assertions.length },
  };
}

/** The audit of the repository at `root`. */
export function auditRepository(root: string): AuditReport {
  return audit(loadContracts(root), loadAssertions(root));
}

/** Human-readable lines of a report (empty findings: one summary line). */
export function formatReport(report: AuditReport): string[] {
  const lines: string[] = [];
  for (const d of report.declaredNeverRaised) {
    lines.push(`error ${d.error} (declared in ${d.declaredIn.join(", ")}) is raised by no contract`);
  }
  for (const e of report.untestedErrors) {
    lines.push(`error ${e.error} raised in ${e.file} is named by no revertedWithCustomError in test/${e.area}/`);
  }
  for (const g of report.untestedGuards) {
    lines.push(
      `${g.contract}.${g.fn} (${g.area}) is never called unauthorized expecting ${g.guardErrors.join(" or ")} in test/${g.area}/`,
    );
  }
  const c = report.counts;
  lines.push(
    `${c.errors} declared errors, ${c.raised} raise sites, ${c.guarded} guarded functions, ${c.assertions} assertions: ` +
      `${lines.length} finding(s)`,
  );
  return lines;
}

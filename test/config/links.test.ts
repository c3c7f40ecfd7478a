/**
 * The README's and the guides' relative links work in a clone of the repository: each one names a
 * file (or folder) inside the repository that exists, and a `#fragment` names a heading of the
 * Markdown file it points to. The README lists every guide of docs/.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.join(__dirname, "..", "..");
const DOCS = path.join(ROOT, "docs");

/** The Markdown files whose links are checked, relative to the root. */
function markdownFiles(): string[] {
  const guides = fs
    .readdirSync(DOCS)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...guides];
}

/**
 * The lines outside fenced code blocks, with inline code spans dropped (a link in code is no link)
 * or kept (a heading's code is part of its anchor).
 */
function proseLines(markdown: string, keepCode = false): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | undefined;
  markdown.split("\n").forEach((text, i) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(text);
    if (fence !== undefined) {
      if (opener !== null && opener[1][0] === fence[0] && opener[1].length >= fence.length) fence = undefined;
      return;
    }
    if (opener !== null) fence = opener[1];
    else out.push({ line: i + 1, text: keepCode ? text : text.replace(/(`+)[\s\S]*?\1/g, "") });
  });
  return out;
}

/** The targets of a file's links: inline `[text](target)`, images, and reference definitions `[id]: target`. */
export function linkTargets(markdown: string): { line: number; target: string }[] {
  const targets: { line: number; target: string }[] = [];
  for (const { line, text } of proseLines(markdown)) {
    for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      targets.push({ line, target: m[1] });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(text);
    if (definition !== null) targets.push({ line, target: definition[1] });
  }
  return targets;
}

/** GitHub's anchor of a heading's text: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link's text
    .replace(/`/g, "")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

/** The anchors of a Markdown file's headings (a repeated heading gets -1, -2, ... as on GitHub). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const { text } of proseLines(markdown, true)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (heading === null) continue;
    const base = slug(heading[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/**
 * The broken relative links of `file` (relative to the root) whose text is `markdown`: one line each,
 * naming the file, the line and what is wrong. Links with a scheme (https:, mailto:) are not checked.
 */
export function brokenLinks(file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const { line, target } of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const where = `${file}:${line}: ${target}`;
    const hash = target.indexOf("#");
    const linkPath = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const fragment = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    let resolved = path.join(ROOT, file);
    if (linkPath !== "") {
      if (path.isAbsolute(linkPath)) {
        problems.push(`${where}: an absolute path (use a path relative to ${file})`);
        continue;
      }
      resolved = path.resolve(path.dirname(path.join(ROOT, file)), linkPath);
      const inside = path.relative(ROOT, resolved);
      if (inside.startsWith("..") || path.isAbsolute(inside)) {
        problems.push(`${where}: outside the repository (a clone does not have it)`);
        continue;
      }
      if (inside.split(path.sep).includes("node_modules") || !fs.existsSync(resolved)) {
        problems.push(`${where}: no such file in the repository`);
        continue;
      }
    }
    if (fragment !== undefined && fragment !== "" && resolved.endsWith(".md") && fs.statSync(resolved).isFile()) {
      if (!anchors(fs.readFileSync(resolved, "utf8")).has(fragment)) {
        problems.push(`${where}: no heading with the anchor #${fragment} in ${path.relative(ROOT, resolved)}`);
      }
    }
  }
  return problems;
}

describe("docs: relative links in README.md and docs/*.md", function () {
  it("the checker finds a missing file, a file outside the repository and a missing heading", function () {
    const markdown = [
      "[fine](voting.md) and [fine too](voting.md#when-a-key-is-stolen), [web](https://example.com)",
      "[missing](no-such-guide.md) and [outside](../../shared/DESIGN.md)",
      "![heading](operations.md#no-such-heading)",
      "`[in code](not-a-link.md)`",
      "```",
      "[in a block](not-a-link-either.md)",
      "```",
      "[ref]: ../LICENSE-NOT-HERE",
    ].join("\n");
    const problems = brokenLinks("docs/example.md", markdown);
    expect(problems).to.deep.equal([
      "docs/example.md:2: no-such-guide.md: no such file in the repository",
      "docs/example.md:2: ../../shared/DESIGN.md: outside the repository (a clone does not have it)",
      "docs/example.md:3: operations.md#no-such-heading: no heading with the anchor #no-such-heading in docs/operations.md",
      "docs/example.md:8: ../LICENSE-NOT-HERE: no such file in the repository",
    ]);
  });

  it("GitHub's anchors: code, punctuation and repeated headings", function () {
    const found = anchors("## 1. The chain\n### Settings in `.env`, and time\n## Notes\n## Notes\n");
    expect([...found]).to.deep.equal(["1-the-chain", "settings-in-env-and-time", "notes", "notes-1"]);
  });

  for (const file of markdownFiles()) {
    it(`${file}: every relative link names a file of the repository (and a heading that exists)`, function () {
      expect(brokenLinks(file, fs.readFileSync(path.join(ROOT, file), "utf8"))).to.deep.equal([]);
    });
  }

  it("README.md lists every guide of docs/", function () {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const linked = new Set(
      linkTargets(readme)
        .map((l) => l.target.split("#")[0])
        .filter((t) => t !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(t))
        .map((t) => path.relative(ROOT, path.resolve(ROOT, t)).split(path.sep).join("/")),
    );
    const unlisted = markdownFiles().filter((f) => f.startsWith("docs/") && !linked.has(f));
    expect(unlisted, "guides the README does not link to").to.deep.equal([]);
  });
});

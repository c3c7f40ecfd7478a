// Fails when coverage of contracts/ (test helpers excluded by .solcover.js) is below the thresholds.
// Also lists each contract below them, so that a drop points at the contracts (and the tests) at fault.
const fs = require("node:fs");
const path = require("node:path");
const THRESHOLDS = { lines: 95, branches: 90 };
const summary = JSON.parse(fs.readFileSync("coverage/coverage-summary.json", "utf8"));
let failed = false;
for (const [metric, minimum] of Object.entries(THRESHOLDS)) {
  const pct = summary.total[metric].pct;
  const ok = pct >= minimum;
  if (!ok) failed = true;
  console.log(`${ok ? "ok  " : "FAIL"} ${metric}: ${pct}% (minimum ${minimum}%)`);
}
const contracts = path.resolve("contracts");
for (const [file, figures] of Object.entries(summary)) {
  if (file === "total") continue;
  const low = Object.entries(THRESHOLDS).filter(([metric, minimum]) => figures[metric].pct < minimum);
  if (low.length === 0) continue;
  const shown = low.map(
    ([metric]) => `${metric} ${figures[metric].covered}/${figures[metric].total} (${figures[metric].pct}%)`,
  );
  console.log(`     below: ${path.relative(contracts, path.resolve(file))}: ${shown.join(", ")}`);
}
process.exit(failed ? 1 : 0);

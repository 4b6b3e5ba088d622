import react from "@vitejs/plugin-react"
import { defineConfig } from "vite"

// The portal's browser bundle; the server (`src/server/start.ts`) serves `dist/` through its `assets` handler.
export default defineConfig({
  root: "src/app",
  plugins: [react()],
  build: { outDir: "../../dist", emptyOutDir: true, chunkSizeWarningLimit: 2_000 },
  logLevel: "warn"
})

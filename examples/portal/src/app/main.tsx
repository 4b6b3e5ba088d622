import { AllCommunityModule, ModuleRegistry } from "ag-grid-community"
import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { App } from "./App.tsx"
import "./styles.css"

ModuleRegistry.registerModules([AllCommunityModule])

const root = document.getElementById("root")
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>
  )
}

// The portal's built files (vite's `dist`) as the server's `assets` handler: a file when the path
// names one, otherwise index.html (the single-page app routes in the browser).
import { readFile } from "node:fs/promises"
import { extname, join, normalize, sep } from "node:path"

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2"
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "content-security-policy":
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
}

/** Serves `dir`; hashed files under assets/ are cached for a year, index.html never. */
export const staticFiles = (dir: string) => {
  const root = normalize(dir).replace(/[\\/]+$/, "")
  return async (request: Request): Promise<Response> => {
    if (request.method !== "GET" && request.method !== "HEAD")
      return new Response("method not allowed", { status: 405 })
    const path = decodeURIComponent(new URL(request.url).pathname)
    const file = normalize(join(root, path))
    if (file !== root && !file.startsWith(root + sep)) return new Response("not found", { status: 404 })
    const type = TYPES[extname(file)]
    if (type !== undefined) {
      const body = await readFile(file).catch(() => undefined)
      if (body !== undefined) {
        return new Response(request.method === "HEAD" ? null : body, {
          headers: {
            "content-type": type,
            "cache-control": path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
            ...SECURITY_HEADERS
          }
        })
      }
      if (path.startsWith("/assets/")) return new Response("not found", { status: 404 })
    }
    const index = await readFile(join(root, "index.html")).catch(() => undefined)
    if (index === undefined) {
      return new Response("The portal is not built: run `npm run build -w @psa-ledger/example-portal`.", {
        status: 503
      })
    }
    return new Response(request.method === "HEAD" ? null : index, {
      headers: { "content-type": TYPES[".html"] ?? "", "cache-control": "no-cache", ...SECURITY_HEADERS }
    })
  }
}

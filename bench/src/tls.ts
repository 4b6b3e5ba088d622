/**
 * TLS for P5: a throw-away self-signed certificate for 127.0.0.1 (made with the machine's `openssl`),
 * and an HTTPS server that puts the sandbox's ConnectWise at the host root, where a client that
 * builds `https://{companyUrl}/{codebase}/apis/3.0` expects it. Clients trust the certificate through
 * `NODE_EXTRA_CA_CERTS`, which Node reads at start-up: the parent makes it, the child runs with it.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { createServer } from "node:https"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Files of a self-signed certificate. */
export interface Certificate {
  readonly keyFile: string
  readonly certFile: string
}

/** Makes a self-signed certificate for 127.0.0.1, valid for a day, in a fresh temporary folder. */
export const makeCertificate = (): Certificate => {
  const dir = mkdtempSync(join(tmpdir(), "psa-ledger-bench-tls-"))
  const keyFile = join(dir, "key.pem")
  const certFile = join(dir, "cert.pem")
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      keyFile,
      "-out",
      certFile
    ],
    { stdio: "ignore" }
  )
  return { keyFile, certFile }
}

/** A running HTTPS server. */
export interface TlsServer {
  readonly port: number
  close(): Promise<void>
}

/** Serves `handle` over HTTPS on 127.0.0.1 with the certificate. */
export const serveTls = async (
  certificate: Certificate,
  handle: (request: Request) => Promise<Response>
): Promise<TlsServer> => {
  const server = createServer(
    { key: readFileSync(certificate.keyFile), cert: readFileSync(certificate.certFile) },
    (req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === "string") headers.set(name, value)
          else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
        }
        const method = req.method ?? "GET"
        const body = method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks)
        handle(new Request(`https://127.0.0.1${req.url ?? "/"}`, { method, headers, ...(body ? { body } : {}) }))
          .then(async (response) => {
            const bytes = Buffer.from(await response.arrayBuffer())
            const head: Record<string, string> = {}
            response.headers.forEach((value, name) => {
              head[name] = value
            })
            res.writeHead(response.status, head)
            res.end(bytes)
          })
          .catch(() => {
            res.writeHead(500).end()
          })
      })
    }
  )
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { makeMemoryRunStore } from "@psa-ledger/reconcile-core"
import { Jobs, LinkError, makeRunner, makeRuns, noMailer } from "../src/index.ts"
import { smtpMailer } from "../src/smtp/index.ts"
import { startSmtpServer, type TestSmtpServer } from "./support/smtp.ts"

const PASSWORD = "s3cret-smtp-Pa55"
let smtp: TestSmtpServer

beforeAll(async () => {
  smtp = await startSmtpServer(PASSWORD)
})

afterAll(() => smtp.close())

const mailer = (pass = PASSWORD) =>
  smtpMailer({
    host: "127.0.0.1",
    port: smtp.port,
    secure: false,
    auth: { user: "ledger", pass },
    from: "ledger@msp.example",
    timeoutMs: 5_000
  })

/** The decoded body of the MIME part whose headers match `header`. */
const part = (raw: string, header: RegExp): string => {
  const boundary = /boundary="?([^";\r\n]+)"?/.exec(raw)?.[1]
  if (boundary === undefined) throw new Error("not multipart")
  const parts = raw.split(`--${boundary}`).flatMap((p) => {
    const nested = /boundary="?([^";\r\n]+)"?/.exec(p)?.[1]
    return nested === undefined ? [p] : p.split(`--${nested}`)
  })
  const found = parts.find((p) => header.test(p.split("\r\n\r\n")[0] ?? ""))
  if (found === undefined) throw new Error(`no part matching ${header}`)
  const [head = "", ...rest] = found.split("\r\n\r\n")
  const body = rest.join("\r\n\r\n").replace(/\r\n$/, "")
  if (/Content-Transfer-Encoding: base64/i.test(head))
    return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
  if (/Content-Transfer-Encoding: quoted-printable/i.test(head)) {
    return Buffer.from(
      body
        .replace(/=\r\n/g, "")
        .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
      "latin1"
    ).toString("utf8")
  }
  return body
}

describe("run mail over SMTP", () => {
  it("mails the summary and the full log after a run", async () => {
    smtp.received.length = 0
    const store = makeMemoryRunStore()
    const runner = makeRunner({ store, mailer: mailer(), ids: () => "run-7" })
    const result = await runner.run(
      {
        linkId: "link-1",
        linkName: "Contoso MSP",
        job: Jobs.apply,
        mailTo: ["finance@msp.example", "ops@msp.example"]
      },
      async (ctx) => {
        for (let i = 1; i <= 8; i++) {
          ctx.log.info("addition updated", { agreement: 100 + i })
          ctx.count("done")
        }
        for (let i = 1; i <= 7; i++) {
          ctx.log.error("addition not updated", { agreement: 200 + i, status: 409 })
          ctx.count("failed")
        }
      }
    )
    expect(result.status).toBe("partial")
    expect(result.mail).toBe("sent")
    expect((await makeRuns(store).get("link-1", "run-7"))?.mail).toBe("sent")
    expect(smtp.received).toHaveLength(1)
    const mail = smtp.received[0]
    expect(mail?.from).toBe("ledger@msp.example")
    expect(mail?.to).toEqual(["finance@msp.example", "ops@msp.example"])
    const raw = mail?.raw ?? ""
    const headers = (raw.split("\r\n\r\n")[0] ?? "").replace(/\r\n[ \t]+/g, " ")
    expect(headers).toMatch(
      /^Subject: \[psa-ledger\] Contoso MSP: reconciliation\.apply partial \(8 done, 7 failed\)$/m
    )
    const text = part(raw, /Content-Type: text\/plain/i)
    expect(text).toContain("Status    partial")
    expect(text).toContain("Counts    8 done, 7 failed")
    expect(text).toContain("7 errors, 0 warnings")
    expect(text).toContain("First 5 of 7 errors:")
    expect(text).toContain("addition not updated agreement=205")
    expect(text).not.toContain("agreement=206")
    const html = part(raw, /Content-Type: text\/html/i)
    expect(html).toContain('<th align="left">Status</th><td>partial</td>')
    const attachment = part(raw, /filename="?run-run-7\.log"?/i)
    const log = await makeRuns(store).log("link-1", "run-7").text()
    expect(attachment).toBe(`${log}\n`)
    expect(attachment.split("\n").filter((line) => line !== "")).toHaveLength(17)
    expect(raw).not.toContain(PASSWORD)
  })

  it("a refused mail leaves the run succeeded, with a warn entry and no password", async () => {
    smtp.received.length = 0
    smtp.refuseRecipients = true
    try {
      const store = makeMemoryRunStore()
      const runner = makeRunner({ store, mailer: mailer() })
      const result = await runner.run(
        { linkId: "link-1", job: Jobs.transfer, mailTo: "finance@msp.example" },
        (ctx) => {
          ctx.count("done")
        }
      )
      expect(result.mail).toBe("failed")
      expect(result.status).toBe("succeeded")
      const runs = makeRuns(store)
      expect((await runs.get("link-1", result.run.id))?.status).toBe("succeeded")
      // The run's record says the mail did not go out, as the runs page shows it.
      expect((await runs.get("link-1", result.run.id))?.mail).toBe("failed")
      expect(result.run.mail).toBe("failed")
      const entries = []
      for await (const entry of runs.log("link-1", result.run.id)) entries.push(entry)
      const warn = entries.at(-1)
      expect(warn?.level).toBe("warn")
      expect(warn?.message).toBe("the run's mail was not sent")
      expect(String(warn?.fields.error)).toContain("mailbox unavailable")
      expect(JSON.stringify(entries)).not.toContain(PASSWORD)
      expect(smtp.received).toHaveLength(0)
    } finally {
      smtp.refuseRecipients = false
    }
  })

  it("a rejected login fails with a Mail reason that does not reveal the password", async () => {
    const wrong = "wrong-Pa55-word-xyz"
    const error = await mailer(wrong)
      .send({ to: ["finance@msp.example"], subject: "s", text: "t" })
      .then(
        () => undefined,
        (e: unknown) => e
      )
    expect(error).toBeInstanceOf(LinkError)
    const linkError = error as LinkError
    expect(linkError.reason._tag).toBe("Mail")
    expect(linkError.message).toMatch(/535|Invalid/)
    expect(`${linkError.message} ${String(linkError)} ${JSON.stringify(linkError)}`).not.toContain(wrong)
  })

  it("no mailer, no mail", async () => {
    const runner = makeRunner({ store: makeMemoryRunStore(), mailer: noMailer })
    const result = await runner.run({ linkId: "l", job: Jobs.transfer, mailTo: "finance@msp.example" }, () => 1)
    expect(result.mail).toBe("not configured")
  })
})

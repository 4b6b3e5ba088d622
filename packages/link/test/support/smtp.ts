import type { AddressInfo } from "node:net"
import { SMTPServer } from "smtp-server"

/** A message as the test SMTP server received it. */
export interface ReceivedMail {
  readonly from: string | undefined
  readonly to: ReadonlyArray<string>
  readonly raw: string
}

/** A real SMTP server on 127.0.0.1 (user `ledger`), keeping what it receives for assertions. */
export interface TestSmtpServer {
  readonly port: number
  readonly user: string
  readonly password: string
  readonly received: Array<ReceivedMail>
  /** While true, every recipient is refused with 550, as a full mailbox would be. */
  refuseRecipients: boolean
  close(): Promise<void>
}

/** Starts the in-process SMTP server the mail tests send to; no stub transport anywhere. */
export const startSmtpServer = async (password: string): Promise<TestSmtpServer> => {
  const received: Array<ReceivedMail> = []
  const server = new SMTPServer({
    secure: false,
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "ledger" && auth.password === password) callback(null, { user: "ledger" })
      else callback(new Error("Invalid username or password"))
    },
    onRcptTo(_address, _session, callback) {
      if (handle.refuseRecipients) callback(Object.assign(new Error("mailbox unavailable"), { responseCode: 550 }))
      else callback()
    },
    onData(stream, session, callback) {
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.on("end", () => {
        const from = session.envelope.mailFrom
        received.push({
          from: from === false ? undefined : from.address,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString("utf8")
        })
        callback()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const handle: TestSmtpServer = {
    port: (server.server.address() as AddressInfo).port,
    user: "ledger",
    password,
    received,
    refuseRecipients: false,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return handle
}

// A schedule's preview for the settings form: the cron in words and its next due times, in the
// deployment's time zone or the one asked for; a cron or zone that is refused names its field.
import { describe, expect, it } from "vitest"
import { client, connectedLink, openWorld } from "./support.ts"

const preview = async (query: string) => {
  const w = await openWorld()
  await connectedLink(w)
  const vic = client(w.server)
  await vic.signIn("vic")
  return { w, vic, response: await vic.get(`/schedule-preview?${query}`) }
}

describe("GET /schedule-preview", () => {
  it("says a cron in words with its next three due times, in the deployment's zone (UTC by default) or the one asked for", async () => {
    // The world's clock stands at Thursday 2026-04-02 08:00 UTC.
    const utc = (await preview(`cron=${encodeURIComponent("0 6 1 * *")}`)).response
    expect(utc.status).toBe(200)
    expect(utc.body).toEqual({
      cron: "0 6 1 * *",
      timeZone: "UTC",
      description: "1st of every month at 06:00",
      nextRuns: [
        expect.stringMatching(/^2026-05-01T06:00:00/),
        expect.stringMatching(/^2026-06-01T06:00:00/),
        expect.stringMatching(/^2026-07-01T06:00:00/)
      ]
    })
    const amsterdam = (await preview(`cron=${encodeURIComponent("0 6 * * 1-5")}&timeZone=Europe/Amsterdam`)).response
    expect(amsterdam.body).toMatchObject({
      timeZone: "Europe/Amsterdam",
      description: "Monday to Friday at 06:00",
      nextRuns: ["2026-04-03T06:00:00.000+02:00", "2026-04-06T06:00:00.000+02:00", "2026-04-07T06:00:00.000+02:00"]
    })
  })

  it("gives the due times without words for a shape it does not describe", async () => {
    const { response } = await preview(`cron=${encodeURIComponent("0 6 L * *")}`)
    expect(response.status).toBe(200)
    expect(response.body.description).toBeUndefined()
    expect(response.body.nextRuns[0]).toMatch(/^2026-04-30T06:00:00/)
  })

  it("refuses a bad cron or time zone with 400 naming the field", async () => {
    const { vic } = await preview("cron=x")
    const field = async (query: string) => {
      const r = await vic.get(`/schedule-preview?${query}`)
      return [r.status, r.body.error?.code, r.body.error?.field]
    }
    expect(await field("cron=not%20a%20cron")).toEqual([400, "InvalidInput", "cron"])
    expect(await field(`cron=${encodeURIComponent("0 25 * * *")}`)).toEqual([400, "InvalidInput", "cron"])
    expect(await field(`cron=${encodeURIComponent("0 6 * * *")}&timeZone=Mars/Olympus`)).toEqual([
      400,
      "InvalidInput",
      "timeZone"
    ])
    expect((await field("")).slice(0, 2)).toEqual([400, "InvalidInput"])
  })
})

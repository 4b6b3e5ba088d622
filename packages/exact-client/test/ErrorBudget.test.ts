import { describe, expect, it } from "vitest"
import { budgetFreesAt, ERROR_BUDGET, ExactError, memoryErrorBudget, memoryTokenStore } from "../src/index.ts"
import { useMsw, world } from "./helpers.ts"

useMsw()

const tagOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise
    return "ok"
  } catch (error) {
    if (error instanceof ExactError) return error.reason._tag
    throw error
  }
}

describe("the Exact error budget", () => {
  it("stops sending to an endpoint at 8 errors an hour, so Exact's block at 10 is never met", async () => {
    const { sim, clock, client, authorise } = world()
    const budget = memoryErrorBudget()
    const exact = client({ division: 1001, errorBudget: budget })
    await authorise(exact)
    const start = clock.now()
    const tags: Array<string> = []
    for (let i = 0; i < 12; i++) {
      tags.push(await tagOf(exact.listAll("crm/NoSuchThing")))
      await clock.sleep(60_000)
    }
    expect(tags).toEqual([...Array(8).fill("NotFoundError"), ...Array(4).fill("ErrorBudgetExhaustedError")])
    expect(sim.stats.errors).toBe(8)
    expect(sim.stats.blocked).toBe(0)
    // The refusal names the endpoint and when it frees up: an hour after the first of the eight.
    const refusal = await exact.listAll("crm/NoSuchThing").catch((error: ExactError) => error)
    expect(refusal).toBeInstanceOf(ExactError)
    expect((refusal as ExactError).reason).toMatchObject({
      _tag: "ErrorBudgetExhaustedError",
      endpoint: "crm/NoSuchThing",
      errors: 8,
      freesAt: start + ERROR_BUDGET.windowMs
    })
    // Other endpoints have their own budget.
    expect(await tagOf(exact.listAll("crm/Accounts"))).toBe("ok")
    // Once the first error has left the hour, the endpoint is tried again.
    await clock.sleep(start + ERROR_BUDGET.windowMs - clock.now())
    expect(await tagOf(exact.listAll("crm/NoSuchThing"))).toBe("NotFoundError")
    expect(await tagOf(exact.listAll("crm/NoSuchThing"))).toBe("ErrorBudgetExhaustedError")
    expect(sim.stats.blocked).toBe(0)
  })

  it("holds concurrent calls to a failing endpoint within the budget, and shares the count between clients", async () => {
    const { sim, client, authorise } = world()
    const budget = memoryErrorBudget()
    const tokens = memoryTokenStore()
    const first = client({ division: 1001, errorBudget: budget, tokens })
    await authorise(first)
    const tags = await Promise.all(Array.from({ length: 20 }, () => tagOf(first.listAll("crm/NoSuchThing"))))
    expect(tags.filter((tag) => tag === "NotFoundError").length).toBe(ERROR_BUDGET.limit)
    expect(tags.filter((tag) => tag === "ErrorBudgetExhaustedError").length).toBe(20 - ERROR_BUDGET.limit)
    // Another worker of the division, on the same budget, does not send at all.
    const second = client({ division: 1001, errorBudget: budget, tokens })
    expect(await tagOf(second.listAll("crm/NoSuchThing"))).toBe("ErrorBudgetExhaustedError")
    expect(sim.stats.errors).toBe(ERROR_BUDGET.limit)
    expect(sim.stats.blocked).toBe(0)
  })

  it("frees up when fewer than the limit remain in the window", () => {
    expect(budgetFreesAt([1, 2, 3], 8)).toBe(0)
    expect(budgetFreesAt([10, 20, 30, 40, 50, 60, 70, 80], 8)).toBe(10 + ERROR_BUDGET.windowMs)
    expect(budgetFreesAt([10, 20, 30, 40, 50, 60, 70, 80, 90], 8)).toBe(20 + ERROR_BUDGET.windowMs)
  })
})

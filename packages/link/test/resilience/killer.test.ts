/**
 * The kill tests' proxy itself: a child that dies while its request is with the server must not leave
 * the proxy waiting for that request (the driver restarts the child only once the proxy is idle).
 */
import { createServer, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { expect, it } from "vitest"
import { KillingProxy } from "./killer.ts"

it("is idle again once the answer to a caller that went away has been dropped", async () => {
  let held: ServerResponse | undefined
  let arrived: () => void = () => undefined
  const arrival = new Promise<void>((resolve) => {
    arrived = resolve
  })
  // An upstream that answers only when the test says so: after the caller has gone.
  const upstream = createServer((_request, response) => {
    held = response
    arrived()
  })
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve))
  const proxy = await new KillingProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`).start()
  try {
    const caller = new AbortController()
    const request = fetch(`${proxy.origin}/connectwise/apis/3.0/company/companies`, { signal: caller.signal }).catch(
      () => "gone"
    )
    await arrival
    caller.abort()
    expect(await request).toBe("gone")
    // The proxy sees the closed socket before the upstream answers (the order a kill produces).
    await new Promise((resolve) => setTimeout(resolve, 50))
    held?.end("{}")
    // Without the fix this never resolves and the test times out.
    await proxy.idle()
    expect(proxy.requests).toBe(1)
  } finally {
    await proxy.close()
    upstream.closeAllConnections()
    await new Promise((resolve) => upstream.close(resolve))
  }
})

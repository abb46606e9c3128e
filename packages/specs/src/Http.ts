/**
 * The HTTP client every spec uses: Node's `fetch` against a running server, nothing from either Effect line.
 */

/** What {@link request} answers: the status, the headers and the body read as text. */
export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: string
}

/** A request a spec sends: a method (GET when absent), headers and a text body. */
export interface RequestInit {
  readonly method?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body?: string | undefined
}

/**
 * A real HTTP request with Node's `fetch`, its body read as text. Redirects are not followed, so that a 303 and its
 * `Location` can be inspected.
 */
export const request = async (url: string, init: RequestInit = {}): Promise<Reply> => {
  const response = await fetch(url, {
    method: init.method ?? "GET",
    headers: init.headers ?? {},
    redirect: "manual",
    ...(init.body === undefined ? {} : { body: init.body })
  })
  return { status: response.status, headers: response.headers, body: await response.text() }
}

/** The `Authorization` header of HTTP Basic credentials (RFC 7617, UTF-8). */
export const basic = (username: string, password: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`
})

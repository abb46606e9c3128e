/**
 * A login form's fields and a browser's page load, written once for both Effect lines: which fields a form must have
 * and how long they may be, what "remember me" says, and which denied requests a login page would help.
 *
 * @since 0.3.0
 */
import { safeNext } from "./Redirect.js"

/**
 * The bounds of a form's fields, in UTF-16 units.
 *
 * @since 0.3.0
 * @category models
 */
export interface Limits {
  readonly maxUsername: number
  readonly maxPassword: number
}

/**
 * A form read: its fields (the password as sent: the caller makes it `Redacted` at once, `next` already safe), or why
 * it was refused.
 *
 * @since 0.3.0
 * @category models
 */
export type Parsed =
  | {
    readonly _tag: "Form"
    readonly username: string
    readonly password: string
    readonly next: string
    readonly remember: boolean
  }
  | { readonly _tag: "Invalid"; readonly reason: string }

/**
 * The login form in URL-encoded `params`: a `username` and a `password`, neither empty nor past its limit; `next`
 * made a path on this site (`/` when absent); `remember` checked for any value but `""` and `"off"`.
 *
 * @since 0.3.0
 * @category parsers
 */
export const parse = (params: URLSearchParams, limits: Limits): Parsed => {
  const username = params.get("username")
  const password = params.get("password")
  if (username === null || username === "" || password === null || password === "") {
    return { _tag: "Invalid", reason: "missing username or password" }
  }
  if (username.length > limits.maxUsername || password.length > limits.maxPassword) {
    return { _tag: "Invalid", reason: "username or password too long" }
  }
  const remember = params.get("remember")
  return {
    _tag: "Form",
    username,
    password,
    next: safeNext(params.get("next") ?? "/"),
    remember: remember !== null && remember !== "" && remember !== "off"
  }
}

/**
 * Whether a request is a browser's page load, which a login page helps: GET or HEAD, accepting `text/html`.
 *
 * @since 0.3.0
 * @category guards
 */
export const isPageLoad = (method: string, accept: string | undefined): boolean =>
  (method === "GET" || method === "HEAD") && accept !== undefined && accept.includes("text/html")

/**
 * What a form body is, read from its headers before any of it is: its type and its declared length, written once
 * for both Effect lines.
 *
 * @since 0.3.0
 */

/**
 * Whether a `Content-Type` says the body is a URL-encoded form (`application/x-www-form-urlencoded`, any parameters,
 * matched case-insensitively).
 *
 * @since 0.3.0
 * @category parsing
 */
export const isUrlEncoded = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false
  const semicolon = contentType.indexOf(";")
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() ===
    "application/x-www-form-urlencoded"
}

const digits = /^\d+$/

/**
 * Whether a `Content-Length` refuses the body before it is read: larger than `maxBytes`, or not a length (anything
 * but digits). A body sent without one (`undefined`) is bounded as it is read instead.
 *
 * @since 0.3.0
 * @category parsing
 */
export const declaredTooLarge = (contentLength: string | undefined, maxBytes: number): boolean =>
  contentLength !== undefined && (!digits.test(contentLength) || Number(contentLength) > maxBytes)

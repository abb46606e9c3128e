/**
 * Several variants served from ONE process and driven in turn, round after round: each round gives every variant one
 * burst between two bursts of the base (the first variant), in an order that rotates and reverses from round to
 * round, and compares the variant's CPU time per request with the mean of those two neighbours. Where `http.ts`
 * compares two apps, this decomposes one path into its pieces under the same conditions (one process, one JIT, one
 * stretch of the host's drift), and gives each piece's cost in µs of CPU per request as well as a ratio.
 *
 * Run: VARIANTS=plain,compute-5us,parse-only,frame-only,install,fiberref,by-hand,auth pnpm bench:rotation
 * (PAIRS=n rounds, DURATION=seconds per burst, CONNECTIONS=n).
 */
import { burst, heading, settings, signIn, start, stop, summary } from "./http.js"

const names = (process.env["VARIANTS"] ?? "plain,plain-header,install,auth").split(",")

const served = await start(names)
try {
  await signIn(served)
  for (let index = 0; index < names.length; index++) await burst(served, index, 1, settings.connections)
  const cpus: Array<Array<number>> = names.map(() => [])
  const ratios: Array<Array<number>> = names.map(() => [])
  const extra: Array<Array<number>> = names.map(() => [])
  const cpuOf = async (index: number) =>
    (await burst(served, index, settings.duration, settings.connections)).cpuMicrosPerRequest
  for (let round = 0; round < settings.pairs; round++) {
    const order = names.slice(1).map((_, index) => index + 1)
    for (let k = 0; k < round % order.length; k++) order.push(order.shift()!)
    if (round % 2 === 1) order.reverse()
    // the base before and after every variant: each variant is compared with its two neighbouring base bursts
    let before = await cpuOf(0)
    cpus[0]!.push(before)
    for (const index of order) {
      const cpu = await cpuOf(index)
      const after = await cpuOf(0)
      const base = (before + after) / 2
      cpus[index]!.push(cpu)
      cpus[0]!.push(after)
      ratios[index]!.push(base / cpu)
      extra[index]!.push(cpu - base)
      before = after
    }
  }
  const range = (xs: ReadonlyArray<number>, digits: number) => {
    const s = summary(xs)
    return `${s.median.toFixed(digits)} (${s.q1.toFixed(digits)}–${s.q3.toFixed(digits)})`
  }
  console.log(heading().replace("pairs of", "rounds of"))
  console.log(`| variant | CPU µs/req | µs more than ${names[0]} (quartiles) | CPU ratio to ${names[0]} (quartiles) |`)
  console.log("|---|---|---|---|")
  names.forEach((name, index) => {
    console.log(
      `| ${name} | ${summary(cpus[index]!).median.toFixed(1)} | ${index === 0 ? "" : range(extra[index]!, 1)} | ${
        index === 0 ? "" : range(ratios[index]!, 3)
      } |`
    )
  })
} finally {
  await stop(served)
}

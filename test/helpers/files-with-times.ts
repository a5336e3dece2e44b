// A folder's files with their sizes and modification times: a build that rewrote any of them shows.
import { readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'

/** Every file under `dir`, with its size and modification time. */
export function filesWithTimes(dir: string): Record<string, string> {
  const entries = readdirSync(dir, { recursive: true }).map(String)
  return Object.fromEntries(
    entries
      .map((entry) => [entry, statSync(path.join(dir, entry))] as const)
      .filter(([, stat]) => stat.isFile())
      .map(([entry, stat]) => [entry, `${stat.size} bytes, modified at ${stat.mtimeMs}`]),
  )
}

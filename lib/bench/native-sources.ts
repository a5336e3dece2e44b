// The addon's C++ sources that do not touch N-API (everything in native/binding.gyp outside binding/):
// what the native microbenchmark and the sanitizer builds compile around their own main(). Read from
// native/binding.gyp, the one list of the addon's sources, which the package ships.
import { readFileSync } from 'node:fs'
import * as path from 'node:path'

export function coreSources(packageRoot: string): string[] {
  const native = path.join(packageRoot, 'native')
  // binding.gyp is JSON but for its '#' comment lines.
  const text = readFileSync(path.join(native, 'binding.gyp'), 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
  const [target] = (JSON.parse(text) as { targets: Array<{ sources: string[] }> }).targets
  return target.sources.filter((source) => !source.startsWith('binding/')).map((source) => path.join(native, source))
}

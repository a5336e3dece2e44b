// For the vitest project `portable`: a copy of the package (with its TypeScript) and no native build beside
// it (no build/, no prebuilds/), which the project's files import instead of lib/ (vitest.config.mts), so
// that loading the package finds no addon and takes the portable path for real. On this Linux machine a
// native build is expected, as in an install that lost its prebuilds, so the package warns once as it
// loads (RSEQ_NATIVE_BUILD_NOT_LOADED): the project's files catch and assert that (test/helpers/load-warnings.ts).
import { packageCopy } from '../helpers/package-copy'

export function setup(): void {
  packageCopy('package-without-native-build', ['lib'])
}

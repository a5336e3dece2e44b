// For the vitest project `portable`: a copy of the package (with its TypeScript) and no native build beside
// it (no build/, no prebuilds/), which the project's files import instead of lib/ (vitest.config.mts), so
// that loading the package finds no addon, as on a platform the package has no build for, and takes the
// portable path for real.
import { packageCopy } from '../helpers/package-copy'

export function setup(): void {
  packageCopy('package-without-native-build', ['lib'])
}

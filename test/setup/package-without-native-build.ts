// For the vitest project `portable`: a copy of the package's TypeScript with no native build beside it (no
// build/, no prebuilds/), which the project's files import instead of lib/ (vitest.config.mts), so that
// loading the package finds no addon, as on a platform the package has no build for, and takes the
// portable path for real.
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'

export const root = path.join(__dirname, '..', '..')
export const PACKAGE_WITHOUT_NATIVE_BUILD = path.join(root, 'test', '.build', 'package-without-native-build')

export function setup(): void {
  rmSync(PACKAGE_WITHOUT_NATIVE_BUILD, { recursive: true, force: true })
  mkdirSync(PACKAGE_WITHOUT_NATIVE_BUILD, { recursive: true })
  cpSync(path.join(root, 'lib'), path.join(PACKAGE_WITHOUT_NATIVE_BUILD, 'lib'), { recursive: true })
  cpSync(path.join(root, 'package.json'), path.join(PACKAGE_WITHOUT_NATIVE_BUILD, 'package.json'))
  symlinkSync(path.join(root, 'node_modules'), path.join(PACKAGE_WITHOUT_NATIVE_BUILD, 'node_modules'))
  writeFileSync(path.join(PACKAGE_WITHOUT_NATIVE_BUILD, 'README'), 'made by test/setup/package-without-native-build.ts\n')
}

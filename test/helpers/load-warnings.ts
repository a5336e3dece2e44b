// The warnings the package emits as it loads (lib/binding/chosen-binding.ts), caught in the test process instead of printed,
// for the files that load the package in-process in more than one vitest project to assert. The project
// `portable` loads a copy of the package that has no native build (test/setup/package-without-native-build.ts),
// as an install without its prebuilds would be: the package warns once there, RSEQ_NATIVE_BUILD_NOT_LOADED,
// and the test file asserts it rather than leave it in the run's output; elsewhere the package warns
// nothing. Import this before the package (it warns as it loads). Other warnings reach Node as usual.
import { expect } from 'vitest'
import { warningCode } from './captured-warnings'

export interface LoadWarning {
  code: string
  message: string
}

const LOAD_WARNING_CODES = ['RSEQ_NATIVE_BUILD_NOT_LOADED', 'RSEQ_LOCAL_BUILD_SKIPPED']
const caught: LoadWarning[] = []

const emitWarning = process.emitWarning
process.emitWarning = function emitWarningUnlessTheLoads(this: NodeJS.Process, ...args: unknown[]): void {
  const code = warningCode(args)
  if (code !== undefined && LOAD_WARNING_CODES.includes(code)) caught.push({ code, message: String(args[0]) })
  else (emitWarning as (...all: unknown[]) => void).apply(process, args)
} as typeof process.emitWarning

/** The load warnings caught so far in this file's process. */
export function caughtLoadWarnings(): LoadWarning[] {
  return [...caught]
}

/**
 * Asserts what the package warned as it loaded: once, that no native build was found, where the vitest project
 * arranges the portable path (RSEQ_TEST_ARRANGED_STRATEGY=portable, vitest.config.mts); nothing elsewhere.
 */
export function expectLoadWarningsAsArranged(): void {
  const noNativeBuild = process.env.RSEQ_TEST_ARRANGED_STRATEGY === 'portable'
  const expected = {
    code: 'RSEQ_NATIVE_BUILD_NOT_LOADED',
    message: expect.stringMatching(/: no native build was found \(.*\); reinstall rseq, or build the addon here with `npx rseq build`/),
  }
  expect(caughtLoadWarnings()).toEqual(noNativeBuild ? [expected] : [])
}

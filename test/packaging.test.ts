// npm run prebuild makes N-API prebuilds that node-gyp-build loads in place of a local build.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { missingCrossTools } from './helpers/emulation'
import { packageCopy } from './helpers/package-copy'
import { runCommandOk } from './helpers/run-node'

const platformDir = `${process.platform}-${process.arch}`
const ELF_MACHINE: Record<string, number> = { x64: 62, arm64: 183 }
const otherArch = process.arch === 'x64' ? 'arm64' : 'x64'
// Both architectures where the cross compiler is here (the aarch64 tests say why when it is not).
const arches = missingCrossTools() === null ? [process.arch, otherArch] : [process.arch]

// A copy of the package as a user's install would hold it.
let copy: string

beforeAll(async () => {
  copy = packageCopy('packaging')
  const args = arches.length === 2 ? [] : ['--arch', process.arch]
  await runCommandOk(process.execPath, [path.join(copy, 'scripts', 'prebuild.mjs'), ...args], { cwd: copy, timeoutMs: 600_000 })
  rmSync(path.join(copy, 'build'), { recursive: true, force: true })
}, 600_000)

describe('npm run prebuild', () => {
  it.each(arches)('writes an ELF shared object for %s to prebuilds/linux-<arch>', (arch) => {
    const dir = path.join(copy, 'prebuilds', `linux-${arch}`)
    const files = readdirSync(dir).filter((file) => file.endsWith('.node'))
    expect(files).toHaveLength(1)
    const header = readFileSync(path.join(dir, files[0])).subarray(0, 20)
    expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
    expect(header.readUInt16LE(16)).toBe(3) // ET_DYN
    expect(header.readUInt16LE(18)).toBe(ELF_MACHINE[arch])
  })

  it('is what node-gyp-build loads when there is no local build', () => {
    const load = require('node-gyp-build')
    expect(load.path(copy)).toContain(path.join(copy, 'prebuilds', platformDir))
    const script = `const rseq = require(${JSON.stringify(copy)}); process.stdout.write(rseq.info().strategy)`
    const strategy = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    expect(strategy).toMatch(/^(glibc|own|legacy|fallback)$/)
  })

  it('makes the install step skip compiling', () => {
    execFileSync(process.execPath, [require.resolve('node-gyp-build/bin.js')], { cwd: copy, stdio: 'pipe' })
    expect(existsSync(path.join(copy, 'build'))).toBe(false)
  })
})

// npm run prebuild makes an N-API prebuild that node-gyp-build loads in place of a local build.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = path.join(__dirname, '..')
const platformDir = `${process.platform}-${process.arch}`
const ELF_MACHINE: Record<string, number> = { x64: 62, arm64: 183 }

// A copy of the package as a user's install would hold it, with node_modules borrowed from the checkout.
let copy: string

beforeAll(() => {
  copy = mkdtempSync(path.join(os.tmpdir(), 'rseq-package-'))
  for (const entry of ['package.json', 'binding.gyp', 'native', 'dist']) {
    cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true })
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'))
  execFileSync('npm', ['run', 'prebuild'], { cwd: copy, stdio: 'pipe' })
  rmSync(path.join(copy, 'build'), { recursive: true, force: true })
})

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true })
})

describe('npm run prebuild', () => {
  it(`writes an ELF shared object for this machine to prebuilds/${platformDir}`, () => {
    const files = readdirSync(path.join(copy, 'prebuilds', platformDir)).filter((file) => file.endsWith('.node'))
    expect(files).toHaveLength(1)
    const header = readFileSync(path.join(copy, 'prebuilds', platformDir, files[0])).subarray(0, 20)
    expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
    expect(header.readUInt16LE(16)).toBe(3) // ET_DYN
    expect(header.readUInt16LE(18)).toBe(ELF_MACHINE[process.arch])
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

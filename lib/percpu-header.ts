// The header of a per-CPU buffer (lib/percpu-layout.ts describes the whole layout, shared with
// native/percpu/percpu_layout.h): where each u32 field sits. A module of its own, importing nothing, so
// that the portable binding, which the layout's module itself depends on, reads the same positions.
export const HEADER_BYTES = 128

export const HeaderField = {
  Magic: 0,
  Version: 1,
  Slots: 2,
  Width: 3,
  Stride: 4,
  Index: 5,
  FallbackSlots: 6,
  Kind: 7,
  ActiveSet: 8,
  RseqSets: 9,
  Baseline: 10,
  TailBytes: 11,
} as const

export const HEADER_FIELDS = 12
